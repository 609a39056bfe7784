"""The evaluation: for every secured object and every identity named in its access control lists, whether each
permission bit is allowed or denied, and why.

How one identity's bit on one object is decided (docs/permissions.md, "How a decision is made", with sources):

1. The object's chain is its token and its parents (``tokens.parents``), cut at the closest token whose list
   has inheritPermissions off: parents above that token do not count.
2. The closest token of the chain where the identity's entry sets the bit (allow or deny) decides; an explicit
   entry on a closer token beats anything inherited from further up.
3. On that token deny beats allow. No entry anywhere in the chain means "not set": no row, no access.

What a user gets from the decisions of their groups is the view's work (``views.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from resmo_pipeline.permissions.objects import objects_sql
from resmo_pipeline.permissions.tokens import sql_macros

#: Columns of azure_devops.effective_permissions (besides organization, resource_id and fetched_at).
PERMISSION_COLUMNS: dict[str, str] = {
    "namespace": "VARCHAR",
    "permission": "VARCHAR",
    "permission_name": "VARCHAR",
    "bit": "BIGINT",
    "token": "VARCHAR",
    "resource_type": "VARCHAR",
    "object_id": "VARCHAR",
    "resource_name": "VARCHAR",
    "project_name": "VARCHAR",
    "identity_descriptor": "VARCHAR",
    "identity_name": "VARCHAR",
    "identity_kind": "VARCHAR",
    "is_build_service": "BOOLEAN",
    "is_collection_admins": "BOOLEAN",
    "decision": "VARCHAR",
    "via": "VARCHAR",
    "source_token": "VARCHAR",
    "level": "BIGINT",
}

_IDENTITY_KIND = """CASE WHEN split_part({d}, '.', 1) IN ('vssgp', 'aadgp') THEN 'group'
                         WHEN split_part({d}, '.', 1) = 'aadsp' THEN 'service_principal'
                         ELSE 'user' END"""

_ENTRIES = """
CREATE OR REPLACE TEMP TABLE perm_aces AS
SELECT a.namespace_name AS namespace, perm_token(a.token) AS token,
       coalesce(a.identity_subject_descriptor, a.descriptor) AS identity,
       any_value(a.identity_display_name) AS identity_name,
       bit_or(coalesce(a.allow, 0)) AS allow, bit_or(coalesce(a.deny, 0)) AS deny
FROM azure_devops.access_control_lists AS a
WHERE a.token IS NOT NULL AND coalesce(a.descriptor, a.identity_subject_descriptor) IS NOT NULL
GROUP BY ALL;

-- A list that does not inherit: one row per (namespace, token).
CREATE OR REPLACE TEMP TABLE perm_cuts AS
SELECT DISTINCT namespace_name AS namespace, perm_token(token) AS token
FROM azure_devops.access_control_lists
WHERE token IS NOT NULL AND NOT coalesce(inherit_permissions, TRUE);

CREATE OR REPLACE TEMP TABLE perm_bits AS
SELECT n.name AS namespace, CAST(a.action ->> 'bit' AS BIGINT) AS bit, a.action ->> 'name' AS permission_name,
       coalesce(a.action ->> 'displayName', a.action ->> 'name') AS permission
FROM azure_devops.security_namespaces AS n, unnest(CAST(n.actions AS JSON[])) AS a(action);

-- Tokens that hold a list (with entries, or cutting inheritance).
CREATE OR REPLACE TEMP TABLE perm_listed AS
SELECT DISTINCT namespace, token FROM perm_aces UNION SELECT namespace, token FROM perm_cuts;

-- Every listed token of every object's chain, with its level (1 = the root of the chain).
CREATE OR REPLACE TEMP TABLE perm_object_chain AS
SELECT c.* FROM (
    SELECT o.namespace, o.token, c.token AS chain_token, c.level
    FROM perm_objects AS o, unnest(perm_chain(o.namespace, o.token)) WITH ORDINALITY AS c(token, level)
) AS c
SEMI JOIN perm_listed AS l ON l.namespace = c.namespace AND l.token = c.chain_token;

-- The chains of the listed tokens themselves: only they get rows (an object without a list of its own has
-- exactly the rows of its closest listed parent, see permission_objects).
CREATE OR REPLACE TEMP TABLE perm_chain AS
WITH listed AS (
    SELECT c.* FROM perm_object_chain AS c SEMI JOIN perm_listed AS l ON l.namespace = c.namespace AND l.token = c.token
), cut AS (
    SELECT l.namespace, l.token, max(l.level) AS cut_level
    FROM listed AS l JOIN perm_cuts AS k ON k.namespace = l.namespace AND k.token = l.chain_token
    GROUP BY ALL
)
SELECT l.* FROM listed AS l LEFT JOIN cut AS k ON k.namespace = l.namespace AND k.token = l.token
WHERE l.level >= coalesce(k.cut_level, 0);

CREATE OR REPLACE TEMP TABLE perm_decisions AS
SELECT c.namespace, c.token, e.identity, b.bit,
       arg_max(CASE WHEN e.deny & b.bit <> 0 THEN 'deny' ELSE 'allow' END, c.level) AS decision,
       arg_max(c.chain_token, c.level) AS source_token, max(c.level) AS level
FROM perm_chain AS c
JOIN perm_aces AS e ON e.namespace = c.namespace AND e.token = c.chain_token
JOIN perm_bits AS b ON b.namespace = c.namespace AND (e.allow | e.deny) & b.bit <> 0
GROUP BY ALL;
"""

_RESULT = f"""
WITH identities AS (
    SELECT descriptor, display_name,
           CASE WHEN starts_with(descriptor, 'svc.') THEN display_name ELSE coalesce(principal_name, display_name) END
               AS name, FALSE AS is_pca
    FROM azure_devops.users
    UNION ALL SELECT descriptor, display_name, coalesce(principal_name, display_name), FALSE
    FROM azure_devops.service_principals
    UNION ALL SELECT descriptor, display_name, coalesce(principal_name, display_name),
                     coalesce(is_collection_admins, FALSE)
    FROM azure_devops.groups
), names AS (
    SELECT identity, any_value(identity_name) AS identity_name FROM perm_aces GROUP BY identity
)
SELECT d.namespace || '|' || d.token || '|' || d.identity || '|' || d.bit AS resource_id,
       d.namespace, b.permission, b.permission_name, d.bit, d.token, o.resource_type, o.object_id, o.resource_name,
       o.project_name, d.identity AS identity_descriptor,
       coalesce(i.name, n.identity_name, d.identity) AS identity_name,
       {_IDENTITY_KIND.format(d="d.identity")} AS identity_kind,
       starts_with(d.identity, 'svc.') AS is_build_service,
       coalesce(i.is_pca, FALSE) AS is_collection_admins,
       d.decision,
       CASE WHEN d.source_token = d.token THEN 'direct'
            ELSE 'inherited from ' || coalesce(s.resource_type || ' ' || s.resource_name, 'token ' || d.source_token)
       END AS via,
       d.source_token, d.level
FROM perm_decisions AS d
JOIN perm_objects AS o ON o.namespace = d.namespace AND o.token = d.token
JOIN perm_bits AS b ON b.namespace = d.namespace AND b.bit = d.bit
LEFT JOIN perm_objects AS s ON s.namespace = d.namespace AND s.token = d.source_token
LEFT JOIN (SELECT descriptor, any_value(name) AS name, bool_or(is_pca) AS is_pca FROM identities GROUP BY ALL) AS i
    ON i.descriptor = d.identity
LEFT JOIN names AS n ON n.identity = d.identity
ORDER BY d.namespace, d.token, identity_name, d.bit
"""

_OBJECTS = """
SELECT o.namespace || '|' || o.token AS resource_id, o.namespace, o.token, o.resource_type, o.object_id,
       o.resource_name, o.project_name, c.decisive_token
FROM perm_objects AS o
LEFT JOIN (SELECT namespace, token, arg_max(chain_token, level) AS decisive_token
           FROM perm_object_chain GROUP BY ALL) AS c ON c.namespace = o.namespace AND c.token = o.token
ORDER BY o.namespace, o.token
"""

#: Columns of azure_devops.permission_objects (besides organization, resource_id and fetched_at).
OBJECT_COLUMNS: dict[str, str] = {
    "namespace": "VARCHAR",
    "token": "VARCHAR",
    "resource_type": "VARCHAR",
    "object_id": "VARCHAR",
    "resource_name": "VARCHAR",
    "project_name": "VARCHAR",
    "decisive_token": "VARCHAR",
}


@dataclass
class Evaluation:
    """What one evaluation produced: the rows of azure_devops.effective_permissions and of
    azure_devops.permission_objects (every secured object and the listed token that decides for it)."""

    permissions: pd.DataFrame
    objects: pd.DataFrame


def evaluate(conn: duckdb.DuckDBPyConnection, organization: str) -> Evaluation:
    """Evaluate one organization from a connection holding its inputs (``inputs.load_inputs``)."""
    conn.execute(sql_macros())
    conn.execute(objects_sql())
    conn.execute(_ENTRIES)
    permissions = conn.execute(_RESULT).df().assign(organization=organization)
    objects = conn.execute(_OBJECTS).df().assign(organization=organization)
    return Evaluation(permissions, objects)
