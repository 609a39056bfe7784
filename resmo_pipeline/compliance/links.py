"""Where a violating resource can be opened in Azure DevOps (best effort, per resource type).

A rule may return its own ``url`` column; otherwise the link comes from this table. Placeholders: ``{org}``,
``{project}`` (the row's ``project_name``), ``{name}`` (``resource_name``) and ``{id}`` (the row's ``id`` column,
else the last ``/``-separated part of ``resource_id``). Project-scoped links need ``project_name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote as _quote

BASE = "https://dev.azure.com/{org}"

PROJECT_LINKS: dict[str, str] = {
    "repositories": "/{project}/_git/{name}",
    "branches": "/{project}/_git/{name}",
    "policy_configurations": "/{project}/_settings/repositories?_a=policies",
    "build_definitions": "/{project}/_build?definitionId={id}",
    "pipeline_settings": "/{project}/_settings/settings",
    "pipeline_permissions": "/{project}/_settings/adminservices",
    "check_configurations": "/{project}/_settings/adminservices",
    "release_definitions": "/{project}/_release?definitionId={id}&_a=definition-pipeline",
    "service_connections": "/{project}/_settings/adminservices?resourceId={id}",
    "variable_groups": "/{project}/_library?itemType=VariableGroups&view=VariableGroupView&variableGroupId={id}",
    "secure_files": "/{project}/_library?itemType=SecureFiles&view=SecureFileView&secureFileId={id}",
    "environments": "/{project}/_environments/{id}",
    "agent_queues": "/{project}/_settings/agentqueues?queueId={id}",
    "feeds": "/{project}/_artifacts/feed/{name}",
    "feed_permissions": "/{project}/_artifacts/feed/{name}",
    "teams": "/{project}/_settings/teams",
    "deployment_groups": "/{project}/_machinegroup?view=MachineGroupView&mgid={id}",
    "deployment_targets": "/{project}/_machinegroup",
    "service_hooks": "/{project}/_settings/serviceHooks",
    "task_groups": "/{project}/_taskgroups",
    "pipeline_runs": "/{project}/_build/results?buildId={id}",
    "groups": "/{project}/_settings/permissions",
    "group_memberships": "/{project}/_settings/permissions",
    "effective_group_memberships": "/{project}/_settings/permissions",
}
#: Types whose rows name a group ("[Payments]\\Project Administrators"): the bracket is the group's scope.
GROUP_TYPES = frozenset({"groups", "group_memberships", "effective_group_memberships"})
_ORGANIZATION_SCOPES = frozenset({"team foundation"})
ORGANIZATION_LINKS: dict[str, str] = {
    "organizations": "/_settings/organizationOverview",
    "projects": "/{name}",
    "organization_policies": "/_settings/organizationPolicy",
    "pipeline_settings": "/_settings/pipelinessettings",
    "users": "/_settings/users",
    "user_entitlements": "/_settings/users",
    "service_principals": "/_settings/users",
    "groups": "/_settings/groups",
    "group_memberships": "/_settings/groups",
    "effective_group_memberships": "/_settings/groups",
    "agent_pools": "/_settings/agentpools?poolId={id}",
    "agents": "/_settings/agentpools",
    "audit_streams": "/_settings/audit?_a=streams",
    "audit_log": "/_settings/audit",
    "extensions": "/_settings/extensions",
    "feeds": "/_artifacts/feed/{name}",
    "feed_permissions": "/_artifacts/feed/{name}",
    "personal_access_tokens": "/_settings/users",
    "access_control_lists": "/_settings/permissions",
    "security_namespaces": "/_settings/permissions",
}


def group_project(group_name: str | None, organization: str) -> str | None:
    """The project a group belongs to, from its name "[Project]\\Group"; None for organization-level groups
    ("[contoso]\\Project Collection Administrators", "[TEAM FOUNDATION]\\...") and for names without a scope."""
    if not group_name or not group_name.startswith("[") or "]\\" not in group_name:
        return None
    scope = group_name[1 : group_name.index("]\\")]
    if scope.lower() == organization.lower() or scope.lower() in _ORGANIZATION_SCOPES:
        return None
    return scope


@lru_cache(maxsize=16384)
def quote(text: str) -> str:
    """``text`` percent-encoded for a URL path; cached, as organizations and projects repeat on every row."""
    return _quote(text)


def resource_url(resource_type: str, organization: str, row: Mapping[str, Any]) -> str:
    """A link to the resource (or the settings page listing it) in Azure DevOps."""
    project = row.get("project_name")
    if not project and resource_type in GROUP_TYPES:
        project = group_project(str(row.get("resource_name") or ""), organization)
    resource_id = str(row.get("resource_id") or "")
    values = {
        "org": quote(organization),
        "project": quote(str(project or "")),
        "name": quote(str(row.get("resource_name") or "")),
        "id": quote(str(row.get("id") or resource_id.rsplit("/", 1)[-1])),
    }
    if project and resource_type in PROJECT_LINKS:
        template = PROJECT_LINKS[resource_type]
    elif resource_type in ORGANIZATION_LINKS:
        template = ORGANIZATION_LINKS[resource_type]
    elif project:
        template = "/{project}"
    else:
        template = "/_settings/organizationOverview"
    return (BASE + template).format(**values)
