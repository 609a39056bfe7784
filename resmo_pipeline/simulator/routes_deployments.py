"""Deployment group endpoints: a project's deployment groups and the machines (targets) in each."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.routes_common import DEV, name_matches, route, state_of, with_project
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response

DEPLOYMENT_GROUPS_LOCATION = ("distributedtask", "deploymentgroups", "083c4d89-ab35-45af-aa11-7cf66895c53e", 1)
DEPLOYMENT_TARGETS_LOCATION = ("distributedtask", "targets", "2f0aa599-c121-4256-a5fd-ba370e0ae7b6", 1)
#: Agent fields every machine shows; capabilities and job requests only when `$expand` asks for them.
AGENT_REFERENCE_KEYS = ("_links", "maxParallelism", "createdOn", "statusChangedOn", "authorization", "id", "name",
                        "version", "osDescription", "enabled", "status", "provisioningState", "accessPoint")
EXPANDS = {"capabilities": ("systemCapabilities", "userCapabilities"), "assignedrequest": ("assignedRequest",),
           "lastcompletedrequest": ("lastCompletedRequest",)}


def _expands(request: SimRequest) -> set[str]:
    return {part.strip().lower() for part in (request.param("$expand") or "").split(",") if part.strip()}


def _machine(machine: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    agent = machine["agent"]
    keys = list(AGENT_REFERENCE_KEYS) + [k for name in expand for k in EXPANDS.get(name, ())]
    return {"id": machine["id"], "tags": list(machine["tags"]), "properties": dict(machine["properties"]),
            "agent": {k: agent[k] for k in keys if k in agent}}


def _group_not_found(group_id: str) -> SimResponse:
    return error_response(404, f"Deployment group {group_id} not found.",
                          "Microsoft.TeamFoundation.DistributedTask.WebApi.DeploymentGroupNotFoundException, "
                          "Microsoft.TeamFoundation.DistributedTask.WebApi", "DeploymentGroupNotFoundException")


def deployment_groups(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """The project's deployment groups (`name`, `ids`, `$expand=machines`); `$top` + header token by name."""
    state = state_of(request)
    name = request.param("name")
    ids = {part.strip() for part in (request.param("ids") or "").split(",") if part.strip()}
    with_machines = "machines" in _expands(request)

    def items() -> list[dict[str, Any]]:
        return [g for g in state.deployment_groups.get(project["id"], [])
                if name_matches(g["name"], name) and (not ids or str(g["id"]) in ids)]

    def render(group: dict[str, Any]) -> dict[str, Any]:
        shown = dict(group)
        if with_machines:
            shown["machines"] = [_machine(m, set()) for m in state.deployment_targets.get(group["id"], [])]
        return shown

    cache = paging.cache_for(state, "deployment_groups", project["id"], name, tuple(sorted(ids)))
    return paging.header_token(request, items, key=lambda g: (g["name"].lower(), g["id"]), render=render,
                               default_top=None, cache=cache)


def deployment_targets(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """The machines of one deployment group (`name`, `tags`, `enabled`, `agentStatus`, `$expand`); header token."""
    state = state_of(request)
    raw_id = request.path_params["deploymentGroupId"]
    group = next((g for g in state.deployment_groups.get(project["id"], []) if str(g["id"]) == raw_id), None)
    if group is None:
        return _group_not_found(raw_id)
    expand = _expands(request)
    name = request.param("name")
    tags = {t.strip().lower() for t in (request.param("tags") or "").split(",") if t.strip()}
    enabled = request.param("enabled")
    status = (request.param("agentStatus") or "").lower()

    def keep(machine: dict[str, Any]) -> bool:
        agent = machine["agent"]
        return (name_matches(agent["name"], name) and tags <= {t.lower() for t in machine["tags"]}
                and (enabled is None or str(agent["enabled"]).lower() == enabled.lower())
                and (not status or status == "all" or agent["status"] == status))

    cache = paging.cache_for(state, "deployment_targets", group["id"], name, tuple(sorted(tags)), enabled, status)
    return paging.header_token(
        request, lambda: [m for m in state.deployment_targets.get(group["id"], []) if keep(m)],
        key=lambda m: (m["agent"]["name"].lower(), m["id"]), render=lambda m: _machine(m, expand),
        default_top=None, cache=cache,
    )


ROUTES: list[Route] = [
    route("GET", DEV, "{project}/_apis/distributedtask/deploymentgroups", with_project(deployment_groups),
          "vso.machinegroup_manage", preview=True, location=DEPLOYMENT_GROUPS_LOCATION),
    route("GET", DEV, "{project}/_apis/distributedtask/deploymentgroups/{deploymentGroupId}/targets",
          with_project(deployment_targets), "vso.machinegroup_manage", preview=True,
          location=DEPLOYMENT_TARGETS_LOCATION),
]
