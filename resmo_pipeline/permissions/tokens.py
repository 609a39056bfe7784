"""Security tokens: how each namespace names a secured object and which tokens are its parents.

Azure DevOps keeps one access control list per token; a token's parents are the tokens its permissions inherit
from. These helpers build tokens the way the service writes them (Python for the commands, SQL macros for the
evaluation) so both compare the same strings. See docs/permissions.md ("Tokens") for the sources.
"""

from __future__ import annotations

#: Namespaces whose tokens are paths of "/"-separated parts (parents are the shorter prefixes).
PATH_NAMESPACES = (
    "Git Repositories", "Build", "ReleaseManagement", "ServiceEndpoints", "Library", "Environment", "MetaTask",
    "DistributedTask", "AnalyticsViews", "Analytics", "AuditLog",
)
#: Tokens of the Project namespace: $PROJECT is the root, a project's token hangs below it with ":".
PROJECT_ROOT = "$PROJECT"
PROJECT_TOKEN = "$PROJECT:vstfs:///Classification/TeamProject/{project_id}"


def normalize(token: str) -> str:
    """A token as the evaluation compares it: tokens are case-insensitive, and the service writes some branch
    tokens with a trailing "/" and some without."""
    return token.rstrip("/").lower()


def git_ref_segment(segment: str) -> str:
    """One segment of a Git ref name as the Git Repositories namespace writes it: its UTF-16LE code units as
    lower-case hex ("main" → "6d00610069006e00")."""
    return segment.encode("utf-16-le").hex()


def git_branch_token(project_id: str, repository_id: str, branch: str) -> str:
    """The token of a branch (``main`` or ``refs/heads/main``): repoV2/{project}/{repository}/refs/heads/
    followed by each "/"-separated segment of the branch name encoded by :func:`git_ref_segment`."""
    name = branch.removeprefix("refs/heads/")
    encoded = "/".join(git_ref_segment(part) for part in name.split("/"))
    return normalize(f"repoV2/{project_id}/{repository_id}/refs/heads/{encoded}")


def sql_macros() -> str:
    """DuckDB macros of the same rules, for the evaluation: ``perm_token(t)`` normalises a token and
    ``perm_chain(namespace, token)`` lists it and its parents from the root down (a list of tokens). Branch
    tokens are computed in Python when the inputs are loaded (``inputs.load_inputs``)."""
    path_list = ", ".join(f"'{name}'" for name in PATH_NAMESPACES)
    root = PROJECT_ROOT.lower()
    return f"""
CREATE OR REPLACE TEMP MACRO perm_token(t) AS lower(rtrim(t, '/'));
CREATE OR REPLACE TEMP MACRO perm_chain(ns, t) AS
    CASE WHEN ns IN ({path_list})
         THEN [array_to_string(string_split(perm_token(t), '/')[1:n], '/')
               FOR n IN range(1, len(string_split(perm_token(t), '/')) + 1)]
         WHEN ns = 'Project' AND starts_with(perm_token(t), '{root}:') THEN ['{root}', perm_token(t)]
         ELSE [perm_token(t)] END;
"""
