"""The views over the evaluated tables: permissions per secured object, and permissions and roles per user.

- ``azure_devops.effective_object_permissions``: every secured object (permission_objects) with the rows of the
  listed token that decides for it; an object without a list of its own says "inherited from ...".
- ``azure_devops.effective_user_permissions``: one row per user or service principal, object and permission bit
  their own entries or their groups' decide (groups expanded through effective_group_memberships). Each
  identity that counts for the user has its own decision (its closest entry on the chain); the user is allowed
  when one of them allows and none denies, wherever that deny was set, except that members of Project
  Collection Administrators keep what that group is allowed (not for work item operations).
- ``azure_devops.effective_user_roles``: the highest role a user holds on each role-based resource, directly or
  through a group, with how.

Views, not tables: expanded to 30,000 users they would be tens of millions of rows; asked about one resource or
one user they are answered in well under a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.schema import ensure_table, table_exists

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

_PRINCIPALS = """principals AS (
    -- Build service identities have a GUID as principal name; people know them by their display name.
    SELECT organization, descriptor,
           CASE WHEN starts_with(descriptor, 'svc.') THEN display_name
                ELSE coalesce(principal_name, display_name) END AS user_name, 'user' AS user_kind
    FROM azure_devops.users
    UNION ALL
    SELECT organization, descriptor, coalesce(principal_name, display_name), 'service_principal'
    FROM azure_devops.service_principals
), group_names AS (
    SELECT organization, map(list(descriptor), list(coalesce(principal_name, display_name))) AS names
    FROM azure_devops.groups GROUP BY organization
)"""



def _grants(table: str) -> str:
    """CTEs ``principals``, ``group_names`` and ``grants``: the rows of ``azure_devops.<table>`` for every user or
    service principal they reach, directly (depth 0) or through a group (depth and membership path)."""
    return f"""{_PRINCIPALS}, grants AS (
    SELECT e.*, u.descriptor AS user_descriptor, u.user_name, u.user_kind, 0 AS depth, []::VARCHAR[] AS path
    FROM azure_devops.{table} AS e
    JOIN principals AS u ON u.organization = e.organization AND u.descriptor = e.identity_descriptor
    UNION ALL
    SELECT e.*, u.descriptor, u.user_name, u.user_kind, m.depth, CAST(m.path AS VARCHAR[])
    FROM azure_devops.{table} AS e
    JOIN azure_devops.effective_group_memberships AS m
        ON m.organization = e.organization AND m.group_descriptor = e.identity_descriptor
    JOIN principals AS u ON u.organization = m.organization AND u.descriptor = m.member_descriptor
)"""


# The membership chain in words: the group holding the entry, then each group in between down to the user.
_MEMBERSHIP = """nullif(array_to_string(list_transform({path}[2:len({path}) - 1],
                                            lambda d: '← member of ' || coalesce(n.names[d], d)), ' '), '')"""

_OBJECT_VIEW = """
CREATE OR REPLACE VIEW azure_devops.effective_object_permissions AS
SELECT o.organization, o.namespace, p.permission, p.permission_name, p.bit, o.token, o.resource_type, o.object_id,
       o.resource_name, o.project_name, p.identity_descriptor, p.identity_name, p.identity_kind, p.is_build_service,
       p.is_collection_admins, p.decision,
       CASE WHEN o.token = p.token THEN p.via
            WHEN p.via = 'direct' THEN 'inherited from ' || p.resource_type || ' ' || p.resource_name
            ELSE p.via END AS via,
       p.source_token, p.level
FROM azure_devops.permission_objects AS o
JOIN azure_devops.effective_permissions AS p
    ON p.organization = o.organization AND p.namespace = o.namespace AND p.token = o.decisive_token
"""

_USER_VIEW = f"""
CREATE OR REPLACE VIEW azure_devops.effective_user_permissions AS
WITH {_grants('effective_object_permissions')}, judged AS (
    -- Each identity's row is already its own decision on the object (its closest entry in the chain).
    SELECT *,
           bool_or(is_collection_admins AND decision = 'allow' AND NOT starts_with(permission_name, 'WORK_ITEM'))
               OVER (PARTITION BY organization, user_descriptor, namespace, token, bit) AS admin_allow
    FROM grants
), deciding AS (
    -- Any deny among the user's identities wins, wherever on the chain it was set; work item operations are the
    -- documented exception to the administrators keeping their allows.
    SELECT * FROM judged
    WHERE NOT admin_allow OR (is_collection_admins AND decision = 'allow')
)
SELECT d.organization, d.user_descriptor, any_value(d.user_name) AS user_name, any_value(d.user_kind) AS user_kind,
       d.namespace, any_value(d.permission) AS permission, any_value(d.permission_name) AS permission_name, d.bit,
       d.token, any_value(d.resource_type) AS resource_type, any_value(d.object_id) AS object_id,
       any_value(d.resource_name) AS resource_name, any_value(d.project_name) AS project_name,
       CASE WHEN bool_or(d.decision = 'deny') AND NOT bool_or(d.admin_allow) THEN 'deny' ELSE 'allow' END AS decision,
       arg_min(CASE WHEN d.depth = 0 THEN 'own entry' ELSE 'via ' || d.identity_name END
               || coalesce(' ' || {_MEMBERSHIP.format(depth="d.depth", path="d.path")}, '')
               || CASE WHEN d.via = 'direct' THEN '' ELSE ' (' || d.via || ')' END
               || CASE WHEN d.admin_allow THEN ' (Project Collection Administrators keep their allows)' ELSE '' END,
               (CASE WHEN d.decision = 'deny' THEN 0 ELSE 1 END) * 1000 + d.depth) AS via,
       arg_min(d.identity_descriptor, (CASE WHEN d.decision = 'deny' THEN 0 ELSE 1 END) * 1000 + d.depth)
           AS through_descriptor,
       any_value(d.source_token) AS source_token
FROM deciding AS d
LEFT JOIN group_names AS n ON n.organization = d.organization
GROUP BY d.organization, d.user_descriptor, d.namespace, d.token, d.bit
"""

_ROLE_VIEW = f"""
CREATE OR REPLACE VIEW azure_devops.effective_user_roles AS
WITH {_grants('effective_roles')}
SELECT g.organization, g.user_descriptor, any_value(g.user_name) AS user_name, any_value(g.user_kind) AS user_kind,
       g.resource_type, g.object_id, any_value(g.resource_name) AS resource_name,
       any_value(g.project_name) AS project_name,
       arg_max(g.role, g.role_rank * 1000 - g.depth) AS role, max(g.role_rank) AS role_rank,
       arg_max(CASE WHEN g.depth = 0 THEN 'own assignment' ELSE 'via ' || g.identity_name END
               || coalesce(' ' || {_MEMBERSHIP.format(depth="g.depth", path="g.path")}, '')
               || ' (' || g.via || ')', g.role_rank * 1000 - g.depth) AS via,
       list_sort(list_distinct(list(g.role))) AS roles
FROM grants AS g
LEFT JOIN group_names AS n ON n.organization = g.organization
GROUP BY g.organization, g.user_descriptor, g.resource_type, g.object_id
"""

#: Inventory tables the views read; created empty when a type was never collected, so the views bind.
_READ_TABLES: dict[str, dict[str, str]] = {
    "users": {"organization": "VARCHAR", "descriptor": "VARCHAR", "display_name": "VARCHAR",
              "principal_name": "VARCHAR"},
    "service_principals": {"organization": "VARCHAR", "descriptor": "VARCHAR", "display_name": "VARCHAR",
                           "principal_name": "VARCHAR"},
    "groups": {"organization": "VARCHAR", "descriptor": "VARCHAR", "display_name": "VARCHAR",
               "principal_name": "VARCHAR"},
    "effective_group_memberships": {"organization": "VARCHAR", "group_descriptor": "VARCHAR",
                                    "member_descriptor": "VARCHAR", "depth": "BIGINT", "path": "JSON"},
}

#: Each view of the azure_devops schema and the tables it reads (the evaluated tables, then the inventory tables),
#: so a rule reading a view is judged on the tables behind it (compliance's ``requires:``).
VIEW_TABLES: dict[str, tuple[str, ...]] = {
    "effective_object_permissions": ("effective_permissions", "permission_objects"),
    "effective_user_permissions": ("effective_permissions", "permission_objects", *_READ_TABLES),
    "effective_user_roles": ("effective_roles", *_READ_TABLES),
}


def create_views(conn: DuckDBPyConnection, tables: dict[str, dict[str, str]]) -> None:
    """``ensure_views`` on an open connection (e.g. the empty warehouse rules are validated on): the evaluated
    tables (``{table: column types}``, empty if new), the inventory tables the views read when missing, and the
    azure_devops views over them."""
    for table, columns in {**_READ_TABLES, **tables}.items():
        ensure_table(conn, "azure_devops", table, columns)
    for statement in (_OBJECT_VIEW, _USER_VIEW, _ROLE_VIEW):
        conn.execute(statement)


# Audit actions that change access control entries (the security service's events).
# Source: learn.microsoft.com/azure/devops/organizations/audit/auditing-events ("Security" area).
_ACL_AUDIT_ACTIONS = ("Security.ModifyPermission", "Security.ModifyAccessControlLists", "Security.RemovePermission",
                      "Security.ResetPermission", "Security.RemoveIdentityACEs", "Security.RemoveAccessControlLists")

_AUDIT_MATCH = """audit AS (
    SELECT organization, id AS audit_event_id, timestamp, action_id, actor_upn, actor_display_name, details,
           rtrim(lower(data ->> 'Token'), '/') AS audit_token, data ->> 'NamespaceName' AS audit_namespace,
           data ->> 'ChangedPermission' AS changed_permission
    FROM azure_devops.audit_log
    WHERE action_id IN ({actions})
)"""

_CHANGES_VIEW = """
CREATE OR REPLACE VIEW history.permission_changes AS
WITH events AS (
    SELECT event_seq, organization, resource_id, change_type, detected_at, run_id
    FROM history.changes
    WHERE resource_type = 'effective_permissions'
), paired AS (
    -- The version the event started (none for a removal) and the one it ended (none for a new decision).
    SELECT e.*, coalesce(a.namespace, b.namespace) AS namespace, coalesce(a.permission, b.permission) AS permission,
           coalesce(a.permission_name, b.permission_name) AS permission_name, coalesce(a.bit, b.bit) AS bit,
           coalesce(a.token, b.token) AS token, coalesce(a.resource_type, b.resource_type) AS resource_type,
           coalesce(a.resource_name, b.resource_name) AS resource_name,
           coalesce(a.project_name, b.project_name) AS project_name,
           coalesce(a.identity_descriptor, b.identity_descriptor) AS identity_descriptor,
           coalesce(a.identity_name, b.identity_name) AS identity_name,
           coalesce(a.identity_kind, b.identity_kind) AS identity_kind,
           b.decision AS decision_before, a.decision AS decision_after, a.via AS via_after, b.via AS via_before,
           b.valid_from AS before_since
    FROM events AS e
    LEFT JOIN history.effective_permissions AS a
        ON a.organization = e.organization AND a.resource_id = e.resource_id AND a.valid_from = e.detected_at
       AND NOT a.is_deleted
    LEFT JOIN history.effective_permissions AS b
        ON b.organization = e.organization AND b.resource_id = e.resource_id AND b.valid_to = e.detected_at
       AND NOT b.is_deleted
){audit_cte}
SELECT p.detected_at, p.organization, p.namespace, p.permission, p.permission_name, p.bit, p.token,
       p.resource_type, p.resource_name, p.project_name, p.identity_descriptor, p.identity_name, p.identity_kind,
       p.decision_before, p.decision_after,
       CASE WHEN p.decision_after = 'allow' THEN 'granted'
            WHEN p.decision_after = 'deny' THEN 'denied'
            ELSE 'no longer set' END AS change,
       p.change_type, coalesce(p.via_after, p.via_before) AS via, {audit_columns}, p.event_seq, p.run_id
FROM paired AS p{audit_join}
"""

# The audit entry that explains a change: an ACL change on the row's token or a parent of it (inherited
# decisions change with their parent), in the same namespace, for the same permission when the entry names it,
# after the previous decision was seen and no later than the change was detected; the latest such entry.
_AUDIT_JOIN = """
LEFT JOIN LATERAL (
    SELECT x.audit_event_id, x.timestamp, x.action_id, coalesce(x.actor_upn, x.actor_display_name) AS actor,
           x.details
    FROM audit AS x
    WHERE x.organization = p.organization AND x.timestamp <= p.detected_at
      AND (p.before_since IS NULL OR x.timestamp > p.before_since)
      AND (x.audit_namespace IS NULL OR x.audit_namespace = p.namespace)
      AND (x.changed_permission IS NULL OR lower(x.changed_permission) IN (lower(p.permission),
                                                                           lower(p.permission_name)))
      AND (p.token = x.audit_token OR starts_with(p.token, x.audit_token || '/'))
    ORDER BY x.timestamp DESC
    LIMIT 1
) AS m ON TRUE"""

_AUDIT_COLUMNS = ("m.audit_event_id, m.timestamp AS audited_at, m.action_id AS audit_action, m.actor AS changed_by, "
                  "m.details AS audit_details")
_NO_AUDIT_COLUMNS = ("NULL::VARCHAR AS audit_event_id, NULL::TIMESTAMP AS audited_at, NULL::VARCHAR AS audit_action, "
                     "NULL::VARCHAR AS changed_by, NULL::VARCHAR AS audit_details")


def changes_view_sql(with_audit_log: bool) -> str:
    """``history.permission_changes``: one row per change of an effective permission (granted, denied, no longer
    set), with the decision before and after and the audit-log entry that explains it, when the audit log holds
    one (``changed_by``, ``audit_event_id``)."""
    actions = ", ".join(f"'{action}'" for action in _ACL_AUDIT_ACTIONS)
    return _CHANGES_VIEW.format(
        audit_cte=(", " + _AUDIT_MATCH.format(actions=actions)) if with_audit_log else "",
        audit_columns=_AUDIT_COLUMNS if with_audit_log else _NO_AUDIT_COLUMNS,
        audit_join=_AUDIT_JOIN if with_audit_log else "",
    )


def ensure_views(path: str, tables: dict[str, dict[str, str]]) -> None:
    """Create the evaluated tables (``{table: column types}``, empty if new) and the views over them; and
    ``history.permission_changes`` once the history of effective_permissions exists (after the first write)."""
    with write_connection(path, publish_after_s=None) as conn:
        create_views(conn, tables)
        if table_exists(conn, "history", "effective_permissions") and table_exists(conn, "history", "changes"):
            conn.execute(changes_view_sql(table_exists(conn, "azure_devops", "audit_log")))
