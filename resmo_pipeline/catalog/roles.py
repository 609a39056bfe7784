"""Security roles on library resources: who is Administrator, Creator, User or Reader, and whether by
explicit assignment or inherited from the project-level (or organization-level) default.

Read through the Security Roles API, `GET _apis/securityroles/scopes/{scopeId}/roleassignments/resources/
{resourceId}?api-version=7.1-preview.1` (spec: MicrosoftDocs/vsts-rest-api-specs
specification/securityRoles/7.1/securityRoles.json; the GET lists no OAuth scope, its writes need
vso.security_manage, which is what this type asks for). The official `azure-devops` Python package has no
security-roles client. Scope ids and resource-id formats, and where each was confirmed:

- `distributedtask.serviceendpointrole`, `{projectId}_{endpointId}`: ADO Security Scanner (azsk) service
  connection controls; `distributedtask.project.serviceendpointrole`, `{projectId}` (all connections of a
  project): Azure DevOps UI role definitions and community scripts (simeoncloud, ADOPS).
- `distributedtask.variablegroup`, `{projectId}${variableGroupId}`, and `distributedtask.securefile`,
  `{projectId}${secureFileId}`: Azure DevOps' own library security dialog (DistributedTask SecurityDialog:
  "Service is using '$' as delimiter"); `distributedtask.library`, `{projectId}$0`: the same dialog for the
  library as a whole. (Not `distributedtask.library` per item: the UI uses the per-kind scopes.)
- `distributedtask.environmentreferencerole`, `{projectId}_{environmentId}`: the Terraform provider's
  azuredevops_securityrole_assignment docs; `distributedtask.globalenvironmentreferencerole`, `{projectId}`.
- `distributedtask.agentqueuerole`, `{projectId}_{queueId}`, and `distributedtask.agentpoolrole`, `{poolId}`
  (organization-level): Azure DevOps' agent pool/queue AdminRolesTab; the all-queues and all-pools defaults are
  `distributedtask.globalagentqueuerole` `{projectId}` and `distributedtask.globalagentpoolrole` `0`.

Deployment groups (`distributedtask.machinegrouprole`, `{projectId}_{deploymentGroupId}`) are left out.
Requests: one per resource, four per project and one for the organization.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.catalog.common import LIVE_PROJECT_STATES
from resmo_pipeline.catalog.model import Call, FanOut, ResourceType, col, ctx

AREA = "security"

ROLE_ASSIGNMENTS = Endpoint(
    host="dev.azure.com", path="_apis/securityroles/scopes/{scopeId}/roleassignments/resources/{resourceId}",
    api_version="7.1-preview.1", scope="vso.security_manage",
)

Row = Mapping[str, Any]


def _fan(parent: str, scope: str, kind: str, resource: Callable[[Row], str], *,
         ref: Callable[[Row], Any] | None = None, name: Callable[[Row], Any] | None = None,
         project: bool = True) -> FanOut:
    """One call per parent row for role scope `scope`; `resource` builds the API's resource id."""

    def expand(row: Row) -> Iterable[Call]:
        if project and not row.get("project_id"):
            return []
        resource_id = resource(row)
        return [Call(
            path_params={"scopeId": scope, "resourceId": resource_id},
            context={
                "scope": scope, "resource_kind": kind, "role_resource_id": resource_id,
                "resource_id_ref": None if ref is None else str(ref(row)),
                "resource_name": None if name is None else name(row),
                "project_id": row.get("project_id") if project else None,
                "project_name": row.get("project_name") if project else None,
            },
        )]

    return FanOut(parent=parent, expand=expand)


def _project_fan(scope: str, kind: str, resource: Callable[[Row], str]) -> FanOut:
    """Project-level defaults: one call per live project."""

    def expand(row: Row) -> Iterable[Call]:
        if row.get("state") not in LIVE_PROJECT_STATES:
            return []
        resource_id = resource(row)
        return [Call(
            path_params={"scopeId": scope, "resourceId": resource_id},
            context={"scope": scope, "resource_kind": kind, "role_resource_id": resource_id,
                     "resource_id_ref": str(row["id"]), "resource_name": row.get("name"),
                     "project_id": row["id"], "project_name": row.get("name")},
        )]

    return FanOut(parent="projects", expand=expand)


def _org_pools(row: Row) -> Iterable[Call]:
    return [Call(path_params={"scopeId": "distributedtask.globalagentpoolrole", "resourceId": "0"},
                 context={"scope": "distributedtask.globalagentpoolrole", "resource_kind": "organization_pools",
                          "role_resource_id": "0", "resource_id_ref": None, "resource_name": "All agent pools",
                          "project_id": None, "project_name": None})]


def _is_inherited(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool | None:
    access = item.get("access")
    return None if access is None else access == "inherited"


def _id(row: Row) -> Any:
    return row["id"]


def _name(row: Row) -> Any:
    return row.get("name")


TYPES = (
    ResourceType(
        name="role_assignments",
        area=AREA,
        description="Security roles (Administrator, Creator, User, Reader) identities hold on service "
        "connections, variable groups, secure files, environments, agent queues and agent pools, and on the "
        "project-level and organization-level defaults those inherit from. access says whether the role "
        "is assigned on the resource or inherited. Deployment groups are not read.",
        endpoint=ROLE_ASSIGNMENTS,
        scope="parent",
        fan_out=(
            _fan("service_connections", "distributedtask.serviceendpointrole", "endpoint",
                 lambda r: f"{r['project_id']}_{r['id']}", ref=_id, name=_name),
            _fan("variable_groups", "distributedtask.variablegroup", "variablegroup",
                 lambda r: f"{r['project_id']}${r['id']}", ref=_id, name=_name),
            _fan("secure_files", "distributedtask.securefile", "securefile",
                 lambda r: f"{r['project_id']}${r['id']}", ref=_id, name=_name),
            _fan("environments", "distributedtask.environmentreferencerole", "environment",
                 lambda r: f"{r['project_id']}_{r['id']}", ref=_id, name=_name),
            _fan("agent_queues", "distributedtask.agentqueuerole", "queue",
                 lambda r: f"{r['project_id']}_{r['id']}", ref=_id, name=_name),
            _fan("agent_pools", "distributedtask.agentpoolrole", "pool", lambda r: str(r["id"]), ref=_id,
                 name=_name, project=False),
            _project_fan("distributedtask.project.serviceendpointrole", "project_endpoints", lambda r: r["id"]),
            _project_fan("distributedtask.library", "project_library", lambda r: f"{r['id']}$0"),
            _project_fan("distributedtask.globalenvironmentreferencerole", "project_environments",
                         lambda r: r["id"]),
            _project_fan("distributedtask.globalagentqueuerole", "project_queues", lambda r: r["id"]),
            FanOut(parent="organizations", expand=_org_pools),
        ),
        key=("scope", "role_resource_id", "identity_id"),
        columns=(
            ctx("scope", description="The role scope id, e.g. distributedtask.serviceendpointrole."),
            ctx("resource_kind", description="endpoint, variablegroup, securefile, environment, queue, pool; "
                "project_endpoints, project_library, project_environments, project_queues (a project's "
                "defaults) or organization_pools (all agent pools)."),
            ctx("role_resource_id", description="The resource id as the API takes it, e.g. "
                "{projectId}_{endpointId} or {projectId}${variableGroupId}."),
            ctx("resource_id_ref", description="Joins to the resource's id column (service_connections.id, "
                "variable_groups.id, ...; the project id for project-level defaults; NULL for all pools)."),
            ctx("resource_name",
                description="Name of the resource (service connection, pool, ...), or the project for defaults."),
            ctx("project_id", description="Project of the resource (join to projects.id); NULL for agent pools."),
            ctx("project_name", description="Project name."),
            col("identity_id", "VARCHAR", "identity.id", "Identity id of the user or group holding the role."),
            col("identity_display_name", "VARCHAR", "identity.displayName", "That identity's display name."),
            col("identity_unique_name", "VARCHAR", "identity.uniqueName",
                "Unique name of the identity, e.g. [Project]\\Contributors, or a user's sign-in name."),
            col("role", "VARCHAR", "role.name", "Role held: Administrator, Creator, User or Reader."),
            col("role_scope", "VARCHAR", "role.scope",
                "Where the role is defined: the parent's scope for an inherited role."),
            col("allow_permissions", "BIGINT", "role.allowPermissions",
                "Permission bits the role grants (role.allowPermissions)."),
            col("access", "VARCHAR", description="assigned (set on this resource) or inherited."),
            col("is_inherited", "BOOLEAN", _is_inherited,
                "True when inherited from the project-level (or organization-level) default."),
        ),
        required_scope="vso.security_manage",
        # Security-role changes only: "Library." would re-read every role assignment (one request per library
        # resource) after any variable group edit. Role changes on library resources are picked up by the
        # scheduled sync until their audit action ids are confirmed.
        audit_actions=("Security.",),
    ),
)
