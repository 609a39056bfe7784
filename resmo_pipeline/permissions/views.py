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

from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.schema import ensure_table

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


def ensure_views(path: str, tables: dict[str, dict[str, str]]) -> None:
    """Create the evaluated tables (``{table: column types}``, empty if new) and the views over them."""
    with write_connection(path, publish_after_s=None) as conn:
        for table, columns in {**_READ_TABLES, **tables}.items():
            ensure_table(conn, "azure_devops", table, columns)
        for statement in (_OBJECT_VIEW, _USER_VIEW, _ROLE_VIEW):
            conn.execute(statement)
