"""The secured objects the evaluation answers for: every project, repository, branch worth a row, pipeline and
access control list token of one organization, each with its token in its security namespace.

A branch gets a row of its own when it is a default branch or when an access control list sits on it or between
it and its repository (a folder such as refs/heads/release). Any other branch has exactly its repository's
permissions (no list in between can change them), so the commands answer for it from the repository's rows.
"""

from __future__ import annotations

from resmo_pipeline.permissions.tokens import PROJECT_TOKEN

# Namespaces with a per-project token and how it is written (docs/permissions.md, "Tokens").
PROJECT_TOKENS: dict[str, str] = {
    "Git Repositories": "'repoV2/' || p.id",
    "Build": "p.id",
    "ReleaseManagement": "p.id",
    "Project": "'" + PROJECT_TOKEN.replace("{project_id}", "' || p.id || '") + "'",
    "ServiceEndpoints": "'endpoints/' || p.id",
    "Library": "'Library/' || p.id",
    "Environment": "'Environments/' || p.id",
    "Identity": "p.id",
    "MetaTask": "p.id",
    "AnalyticsViews": "'$/Shared/' || p.id",
}


def _folder(path_column: str) -> str:
    """A definition folder (\\ or \\a\\b) as token parts ("" or "/a/b")."""
    return f"replace(rtrim(coalesce({path_column}, '\\'), '\\'), '\\', '/')"


def objects_sql() -> str:
    """CREATE TEMP TABLE perm_objects (namespace, token, resource_type, object_id, resource_name, project_name)
    from the inputs of one organization. Needs the macros of ``tokens.sql_macros``."""
    projects = "\n    UNION ALL\n    ".join(
        f"SELECT '{namespace}' AS namespace, perm_token({token}) AS token, 'project' AS resource_type, "
        "p.id AS object_id, p.name AS resource_name, p.name AS project_name "
        "FROM azure_devops.projects AS p"
        for namespace, token in PROJECT_TOKENS.items()
    )
    return f"""
CREATE OR REPLACE TEMP TABLE perm_objects AS
WITH acl_tokens AS (
    SELECT DISTINCT namespace_name AS namespace, perm_token(token) AS token
    FROM azure_devops.access_control_lists WHERE token IS NOT NULL
), known AS (
    {projects}
    UNION ALL
    SELECT 'Git Repositories', perm_token('repoV2/' || r.project_id || '/' || r.id), 'repository', r.id, r.name,
           r.project_name
    FROM azure_devops.repositories AS r
    UNION ALL
    SELECT 'Git Repositories', b.token, 'branch', b.repository_id || '@' || b.name,
           b.repository_name || '@' || regexp_replace(b.name, '^refs/heads/', ''), b.project_name
    FROM azure_devops.branches AS b
    WHERE b.token IS NOT NULL AND (coalesce(b.is_default_branch, FALSE)
       OR EXISTS (SELECT 1 FROM acl_tokens AS a
                  WHERE a.namespace = 'Git Repositories'
                    AND starts_with(a.token, perm_token('repoV2/' || b.project_id || '/' || b.repository_id) || '/')
                    AND (b.token = a.token OR starts_with(b.token, a.token || '/'))))
    UNION ALL
    SELECT 'Build', perm_token(d.project_id || {_folder("d.path")} || '/' || d.id), 'build_definition',
           CAST(d.id AS VARCHAR), d.name, d.project_name
    FROM azure_devops.build_definitions AS d
    UNION ALL
    SELECT 'ReleaseManagement', perm_token(d.project_id || {_folder("d.path")} || '/' || d.id),
           'release_definition', CAST(d.id AS VARCHAR), d.name, d.project_name
    FROM azure_devops.release_definitions AS d
), deduplicated AS (
    SELECT namespace, token, arg_min(resource_type, resource_type) AS resource_type,
           arg_min(object_id, resource_type) AS object_id, arg_min(resource_name, resource_type) AS resource_name,
           arg_min(project_name, resource_type) AS project_name
    FROM known GROUP BY namespace, token
)
SELECT * FROM deduplicated
UNION ALL
SELECT a.namespace, a.token, 'token', a.token, a.token, NULL
FROM acl_tokens AS a ANTI JOIN deduplicated AS d ON d.namespace = a.namespace AND d.token = a.token
"""
