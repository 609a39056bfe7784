"""Role-based resources: service connections, variable groups, secure files, environments, agent queues and
pools (and deployment groups where collected) give access through security roles, not access control entries.

``azure_devops.role_assignments`` already holds, per resource, every assignment the service reports for it:
those set on the resource ("assigned") and those it takes from the project or organization level ("inherited",
the service lists them on the resource). This step names the identity behind each assignment with its graph
descriptor so the views can expand groups to users, and ranks the roles.
"""

from __future__ import annotations

import duckdb
import pandas as pd

#: How much a role lets its holder do, for "the highest role a user holds" (roles only grant; an assignment
#: cannot deny, so holding a role through any group means holding it).
ROLE_RANKS: dict[str, int] = {"Reader": 1, "User": 2, "Creator": 3, "Administrator": 4}

#: Columns of azure_devops.effective_roles (besides organization, resource_id and fetched_at).
ROLE_COLUMNS: dict[str, str] = {
    "resource_type": "VARCHAR",
    "object_id": "VARCHAR",
    "resource_name": "VARCHAR",
    "project_name": "VARCHAR",
    "role_scope": "VARCHAR",
    "role": "VARCHAR",
    "role_rank": "BIGINT",
    "identity_descriptor": "VARCHAR",
    "identity_name": "VARCHAR",
    "identity_kind": "VARCHAR",
    "is_build_service": "BOOLEAN",
    "via": "VARCHAR",
}

_RANKS = " ".join(f"WHEN '{role}' THEN {rank}" for role, rank in ROLE_RANKS.items())

_SQL = f"""
WITH identities AS (
    SELECT lower(principal_name) AS unique_name, descriptor, 'user' AS kind FROM azure_devops.users
    UNION ALL SELECT lower(principal_name), descriptor, 'service_principal' FROM azure_devops.service_principals
    UNION ALL SELECT lower(principal_name), descriptor, 'group' FROM azure_devops.groups
), by_name AS (
    SELECT unique_name, arg_min(descriptor, kind) AS descriptor, arg_min(kind, kind) AS kind
    FROM identities WHERE unique_name IS NOT NULL GROUP BY unique_name
), by_id AS (
    SELECT identity_id, any_value(identity_subject_descriptor) AS descriptor,
           bool_or(identity_is_group) AS is_group
    FROM azure_devops.access_control_lists
    WHERE identity_id IS NOT NULL AND identity_subject_descriptor IS NOT NULL
    GROUP BY identity_id
), resolved AS (
    SELECT r.*, coalesce(n.descriptor, i.descriptor, r.identity_id) AS descriptor,
           coalesce(n.kind, CASE WHEN i.is_group THEN 'group'
                                 WHEN starts_with(i.descriptor, 'aadsp.') THEN 'service_principal' END, 'user') AS kind
    FROM azure_devops.role_assignments AS r
    LEFT JOIN by_name AS n ON n.unique_name = lower(r.identity_unique_name)
    LEFT JOIN by_id AS i ON i.identity_id = r.identity_id
)
SELECT resource_id, resource_kind AS resource_type, resource_id_ref AS object_id, resource_name, project_name,
       scope AS role_scope, role, CASE role {_RANKS} ELSE 0 END AS role_rank,
       descriptor AS identity_descriptor,
       CASE WHEN starts_with(descriptor, 'svc.') THEN identity_display_name
            ELSE coalesce(identity_unique_name, identity_display_name) END AS identity_name, kind AS identity_kind,
       starts_with(descriptor, 'svc.') AS is_build_service,
       CASE WHEN coalesce(is_inherited, access = 'inherited')
            THEN 'inherited from ' || CASE WHEN role_scope LIKE '%.library' THEN 'the project''s Library'
                                           WHEN role_scope LIKE '%.project.%' OR role_scope LIKE '%.global%'
                                           THEN 'the project or organization level' ELSE role_scope END
            ELSE 'assigned' END AS via
FROM resolved
ORDER BY resource_type, resource_name, identity_name
"""


def evaluate_roles(conn: duckdb.DuckDBPyConnection, organization: str) -> pd.DataFrame:
    """The rows of azure_devops.effective_roles for ``organization`` from its inputs (``inputs.load_inputs``)."""
    return conn.execute(_SQL).df().assign(organization=organization)
