"""Security Roles API: who holds which role (Administrator, Creator, User, Reader) on a library resource.

`GET _apis/securityroles/scopes/{scopeId}/roleassignments/resources/{resourceId}` (7.1-preview.1) answers the
resource's explicit assignments (`access: assigned`) plus what it inherits from its project-level or
organization-level default (`access: inherited`) unless inheritance is switched off for it. The official
`azure-devops` Python package has no security-roles client, so no location id is published here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.data import OrgState
from resmo_pipeline.simulator.data.roles import PARENT_SCOPES, ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, ROLE_SCOPES
from resmo_pipeline.simulator.routes_common import DEV, route, state_of
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response


def _role(scope: str, name: str) -> dict[str, Any]:
    return {"allowPermissions": ROLE_PERMISSIONS.get(name, 0), "denyPermissions": 0,
            "description": ROLE_DESCRIPTIONS.get(name, ""), "displayName": name,
            "identifier": f"{scope}.{name}", "name": name, "scope": scope}


def _assignment(state: OrgState, entry: dict[str, Any], scope: str, access: str) -> dict[str, Any] | None:
    subject = state.subjects.get(entry["descriptor"])
    if subject is None:
        return None
    return {
        "identity": {"displayName": subject["displayName"], "id": subject["_id"],
                     "uniqueName": subject["principalName"]},
        "role": _role(scope, entry["role"]),
        "access": access,
        "accessDisplayName": "Assigned" if access == "assigned" else "Inherited",
    }


def role_assignments(request: SimRequest) -> SimResponse:
    """Explicit assignments first, then inherited ones for identities without an explicit role here."""
    state = state_of(request)
    scope = request.path_params["scopeId"].lower()
    resource_id = unquote(request.path_params["resourceId"]).lower()
    if scope not in ROLE_SCOPES:
        return error_response(404, f"SecurityRoleScope {request.path_params['scopeId']} does not exist.",
                              "Microsoft.VisualStudio.Services.Security.SecurityRoleScopeNotFoundException, "
                              "Microsoft.VisualStudio.Services.WebApi", "SecurityRoleScopeNotFoundException")
    values: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in state.role_assignments.get((scope, resource_id), []):
        item = _assignment(state, entry, scope, "assigned")
        if item is not None:
            seen.add(entry["descriptor"])
            values.append(item)
    parent = PARENT_SCOPES.get(scope)
    if parent is not None and (scope, resource_id) not in state.role_inheritance_off:
        parent_scope, parent_of = parent
        for entry in state.role_assignments.get((parent_scope, parent_of(resource_id)), []):
            if entry["descriptor"] in seen:
                continue
            item = _assignment(state, entry, parent_scope, "inherited")
            if item is not None:
                values.append(item)
    return paging.collection(values)


ROUTES: list[Route] = [
    route("GET", DEV, "_apis/securityroles/scopes/{scopeId}/roleassignments/resources/{resourceId}",
          role_assignments, "vso.security_manage", preview=True),
]
