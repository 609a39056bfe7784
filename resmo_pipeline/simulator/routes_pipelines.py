"""Pipeline endpoints: build definitions, pipelines, pipeline settings, pipeline permissions, checks, release
definitions, service connections, variable groups, secure files, agent pools, queues, agents and environments."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.data import OrgState
from resmo_pipeline.simulator.routes_common import (
    DEV,
    VSRM,
    name_matches,
    route,
    state_of,
    truthy,
    with_project,
)
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response

SHALLOW_DEFINITION_KEYS = ("_links", "quality", "authoredBy", "drafts", "queue", "id", "name", "url", "uri", "path",
                           "type", "queueStatus", "revision", "createdDate", "project")


def _not_found(what: str, key: str, type_key: str, assembly: str = "Microsoft.TeamFoundation.Build2.WebApi"
               ) -> SimResponse:
    return error_response(404, f"{what} {key} does not exist or you do not have permissions to access it.",
                          f"{assembly}.{type_key}, {assembly}", type_key)


def build_definitions(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Build definitions: shallow references, or full objects with includeAllProperties=true (latest runs with
    includeLatestBuilds=true); header token."""
    state = state_of(request)
    full = truthy(request.param("includeAllProperties"))
    latest = truthy(request.param("includeLatestBuilds"))
    name = request.param("name")
    repository_id = (request.param("repositoryId") or "").lower()
    process_type = request.param("processType")
    path = request.param("path")

    def items() -> list[dict[str, Any]]:
        return [d for d in state.build_definitions[project["id"]]
                if name_matches(d["name"], name)
                and (not repository_id or d["repository"]["id"] == repository_id)
                and (not process_type or str(d["process"]["type"]) == process_type)
                and (not path or d["path"].lower() == path.lower())]

    def render(definition: dict[str, Any]) -> dict[str, Any]:
        if not latest:  # the service returns the latest runs only when asked (includeLatestBuilds)
            definition = {k: v for k, v in definition.items() if k not in ("latestBuild", "latestCompletedBuild")}
        if full:
            return definition
        return {k: definition[k] for k in SHALLOW_DEFINITION_KEYS}

    cache = paging.cache_for(state, "build_definitions", project["id"], name, repository_id, process_type, path)
    return paging.header_token(request, items, key=lambda d: d["id"], render=render, default_top=None, cache=cache)


def get_build_definition(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One full build definition."""
    raw = request.path_params["definitionId"]
    for definition in state_of(request).build_definitions[project["id"]]:
        if str(definition["id"]) == raw:
            return json_response(definition)
    return _not_found("Definition", raw, "DefinitionNotFoundException")


def _pipeline(state: Any, project: dict[str, Any], definition: dict[str, Any], detail: bool) -> dict[str, Any]:
    url = f"{state.base}/{project['id']}/_apis/pipelines/{definition['id']}?revision={definition['revision']}"
    body: dict[str, Any] = {
        "_links": {"self": {"href": url},
                   "web": {"href": f"{state.base}/{project['id']}/_build/definition?definitionId="
                                   f"{definition['id']}"}},
        "url": url,
        "id": definition["id"],
        "revision": definition["revision"],
        "name": definition["name"],
        "folder": definition["path"],
    }
    if detail:
        yaml = definition["process"]["type"] == 2
        body["configuration"] = {
            "type": "yaml" if yaml else "designerJson",
            **({"path": definition["process"]["yamlFilename"].lstrip("/"),
                "repository": {"id": definition["repository"]["id"], "type": "azureReposGit"}} if yaml else {}),
        }
    return body


def pipelines(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Pipelines ordered by name, `$top` with an opaque header token."""
    state = state_of(request)
    descending = "desc" in (request.param("orderBy") or "name asc").lower()
    items = state.build_definitions[project["id"]]
    cache = paging.cache_for(state, "pipelines", project["id"], descending)
    if descending:
        return paging.header_token(request, items, key=lambda d: (paging.descending(d["name"].lower()), -d["id"]),
                                   render=lambda d: _pipeline(state, project, d, False), default_top=None,
                                   cache=cache)
    return paging.header_token(request, items, key=lambda d: (d["name"].lower(), d["id"]),
                               render=lambda d: _pipeline(state, project, d, False), default_top=None, cache=cache)


def get_pipeline(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One pipeline with its configuration."""
    state = state_of(request)
    raw = request.path_params["pipelineId"]
    for definition in state.build_definitions[project["id"]]:
        if str(definition["id"]) == raw:
            return json_response(_pipeline(state, project, definition, True))
    return _not_found("Pipeline", raw, "PipelineNotFoundException", "Microsoft.Azure.Pipelines.WebApi")


def general_settings(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """The project's pipeline settings (fork protection, job authorization scope, settable variables, ...)."""
    return json_response(dict(state_of(request).pipeline_settings[project["id"]]))


def pipeline_permissions(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Which pipelines may use a protected resource; `allPipelines.authorized` = open to every pipeline."""
    resource_type = request.path_params["resourceType"].lower()
    resource_id = request.path_params["resourceId"].lower()
    body = state_of(request).pipeline_permissions.get((project["id"], resource_type, resource_id))
    if body is None:
        return json_response({"resource": {"type": resource_type, "id": request.path_params["resourceId"]},
                              "pipelines": []})
    return json_response(body)


def authorized_resources(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Legacy view of the resources authorized for all pipelines of the project (`type`, `id` filters)."""
    wanted_type = (request.param("type") or "").lower()
    wanted_id = (request.param("id") or "").lower()
    values = [
        {"type": kind, "id": body["resource"]["id"], "name": body["resource"].get("name"), "authorized": True}
        for (pid, kind, resource_id), body in state_of(request).pipeline_permissions.items()
        if pid == project["id"] and (body.get("allPipelines") or {}).get("authorized")
        and (not wanted_type or kind == wanted_type) and (not wanted_id or resource_id == wanted_id)
    ]
    return paging.collection(values)


def check_configurations(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Checks (approvals, branch control, ...) on protected resources; settings only with `$expand=settings`."""
    resource_type = (request.param("resourceType") or "").lower()
    resource_id = (request.param("resourceId") or "").lower()
    expand = "settings" in (request.param("$expand") or "").lower()
    items = []
    for check in state_of(request).check_configurations[project["id"]]:
        if resource_type and check["resource"]["type"].lower() != resource_type:
            continue
        if resource_id and check["resource"]["id"].lower() != resource_id:
            continue
        items.append(check if expand else {k: v for k, v in check.items() if k != "settings"})
    return paging.collection(items)


RELEASE_EXPANDABLE = ("environments", "artifacts", "variables", "triggers", "tags")


def release_definitions(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Classic release definitions, `$expand=environments,artifacts,variables`; header token paging."""
    state = state_of(request)
    expand = {e.strip().lower() for e in (request.param("$expand") or "").split(",")}
    deleted = truthy(request.param("isDeleted"))
    search = request.param("searchText")

    def items() -> list[dict[str, Any]]:
        return [d for d in state.release_definitions[project["id"]]
                if d["isDeleted"] == deleted and name_matches(d["name"], search and f"*{search}*")]

    def render(definition: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in definition.items() if k not in RELEASE_EXPANDABLE or k in expand}

    cache = paging.cache_for(state, "release_definitions", project["id"], deleted, search)
    return paging.header_token(request, items, key=lambda d: d["id"], render=render, default_top=None, cache=cache)


def get_release_definition(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One full release definition."""
    raw = request.path_params["definitionId"]
    for definition in state_of(request).release_definitions[project["id"]]:
        if str(definition["id"]) == raw:
            return json_response(definition)
    return _not_found("ReleaseDefinition", raw, "ReleaseDefinitionNotFoundException",
                      "Microsoft.VisualStudio.Services.ReleaseManagement.WebApi")


def _shared_with(item: dict[str, Any], references_key: str, project: dict[str, Any]) -> bool:
    return any(ref["projectReference"]["id"] == project["id"] for ref in item[references_key])


def _by_project(state: OrgState, collection: str, references_key: str) -> dict[str, list[dict[str, Any]]]:
    """An organization-wide collection grouped by the projects each item is shared with (once per revision)."""

    def build() -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for item in getattr(state, collection):
            for project_id in dict.fromkeys(ref["projectReference"]["id"] for ref in item[references_key]):
                grouped.setdefault(project_id, []).append(item)
        return grouped

    return paging.view(state, build, "shared", collection)


def service_endpoints(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Service connections shared with the project (no paging); secrets are null."""
    wanted_type = (request.param("type") or "").lower()
    ids = {i.strip().lower() for i in (request.param("endpointIds") or "").split(",") if i.strip()}
    schemes = {s.strip().lower() for s in (request.param("authSchemes") or "").split(",") if s.strip()}
    shared = _by_project(state_of(request), "service_endpoints", "serviceEndpointProjectReferences")
    items = [e for e in shared.get(project["id"], ())
             if (not wanted_type or e["type"].lower() == wanted_type)
             and (not ids or e["id"] in ids)
             and (not schemes or e["authorization"]["scheme"].lower() in schemes)]
    return paging.collection(items)


def get_service_endpoint(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One service connection (null body when it is not shared with the project, like the service)."""
    key = request.path_params["endpointId"].lower()
    for endpoint in state_of(request).service_endpoints:
        if endpoint["id"] == key and _shared_with(endpoint, "serviceEndpointProjectReferences", project):
            return json_response(endpoint)
    return json_response(None)


def endpoint_history(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """When a service connection was last used, newest first; `top` with an opaque header token."""
    state = state_of(request)
    key = request.path_params["endpointId"].lower()
    history = state.endpoint_history.get(key, [])
    return paging.header_token(request, history,
                               key=lambda h: (paging.descending(h["data"]["finishTime"]), h["data"]["id"]),
                               default_top=None, top_param="top",
                               cache=paging.cache_for(state, "endpoint_history", key))


def variable_groups(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Variable groups of the project: `$top` + id cursor (`continuationToken`) + `queryOrder`; secrets null."""
    state = state_of(request)
    group_ids = request.param("groupIds") or ""
    ids = {i.strip() for i in group_ids.split(",") if i.strip()}
    group_name = request.param("groupName")

    def items() -> list[dict[str, Any]]:
        shared = _by_project(state, "variable_groups", "variableGroupProjectReferences")
        return [g for g in shared.get(project["id"], ())
                if name_matches(g["name"], group_name) and (not ids or str(g["id"]) in ids)]

    return paging.id_cursor(request, items,
                            cache=paging.cache_for(state, "variable_groups", project["id"], group_name, group_ids))


def get_variable_group(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One variable group."""
    raw = request.path_params["groupId"]
    for group in state_of(request).variable_groups:
        if str(group["id"]) == raw and _shared_with(group, "variableGroupProjectReferences", project):
            return json_response(group)
    return json_response(None)


def secure_files(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Secure files of the project (metadata only)."""
    return paging.collection(state_of(request).secure_files[project["id"]])


def pools(request: SimRequest) -> SimResponse:
    """Agent pools of the organization (no paging)."""
    pool_type = (request.param("poolType") or "").lower()
    items = [p for p in state_of(request).pools if name_matches(p["name"], request.param("poolName"))
             and (not pool_type or p["poolType"].lower() == pool_type)]
    return paging.collection(items)


def get_pool(request: SimRequest) -> SimResponse:
    """One agent pool."""
    raw = request.path_params["poolId"]
    for pool in state_of(request).pools:
        if str(pool["id"]) == raw:
            return json_response(pool)
    return _not_found("Agent pool", raw, "TaskAgentPoolNotFoundException", "Microsoft.TeamFoundation.DistributedTask"
                      ".WebApi")


def agents(request: SimRequest) -> SimResponse:
    """Agents of a pool; capabilities only with includeCapabilities=true."""
    raw = request.path_params["poolId"]
    state = state_of(request)
    if not any(str(p["id"]) == raw for p in state.pools):
        return _not_found("Agent pool", raw, "TaskAgentPoolNotFoundException",
                          "Microsoft.TeamFoundation.DistributedTask.WebApi")
    with_capabilities = truthy(request.param("includeCapabilities"))
    items = [a if with_capabilities else {k: v for k, v in a.items()
                                          if k not in ("systemCapabilities", "userCapabilities")}
             for a in state.agents.get(int(raw), []) if name_matches(a["name"], request.param("agentName"))]
    return paging.collection(items)


def queues(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Agent queues of the project (no paging)."""
    items = [q for q in state_of(request).queues[project["id"]] if name_matches(q["name"], request.param("queueName"))]
    return paging.collection(items)


def environments(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Environments of the project, `$top` with an opaque header token."""
    state = state_of(request)
    name = request.param("name")
    cache = paging.cache_for(state, "environments", project["id"], name)
    return paging.header_token(
        request, lambda: [e for e in state.environments[project["id"]] if name_matches(e["name"], name)],
        key=lambda e: e["id"], default_top=None, cache=cache,
    )


def get_environment(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One environment."""
    raw = request.path_params["environmentId"]
    for environment in state_of(request).environments[project["id"]]:
        if str(environment["id"]) == raw:
            return json_response(environment)
    return _not_found("Environment", raw, "EnvironmentNotFoundException",
                      "Microsoft.TeamFoundation.DistributedTask.WebApi")


DEFINITIONS_LOCATION = ("build", "definitions", "dbeaf647-6167-421a-bda9-c9327b25e2e6", 7)
ENDPOINTS_LOCATION = ("serviceendpoint", "endpoints", "e85f1c62-adfc-4b74-b618-11a150fb195e", 4)
VARIABLE_GROUPS_LOCATION = ("distributedtask", "variablegroups", "f5b09dd5-9d54-45a1-8b5a-1c8287d634cc", 2)


def _p(pattern: str, handler: Any, scope: str, **kwargs: Any) -> Route:
    return route("GET", DEV, pattern, with_project(handler), scope, **kwargs)


ROUTES: list[Route] = [
    _p("{project}/_apis/build/definitions", build_definitions, "vso.build", location=DEFINITIONS_LOCATION),
    _p("{project}/_apis/build/definitions/{definitionId}", get_build_definition, "vso.build",
       location=DEFINITIONS_LOCATION),
    _p("{project}/_apis/pipelines", pipelines, "vso.build"),
    _p("{project}/_apis/pipelines/{pipelineId}", get_pipeline, "vso.build"),
    _p("{project}/_apis/build/generalsettings", general_settings, "vso.build"),
    _p("{project}/_apis/pipelines/pipelinepermissions/{resourceType}/{resourceId}", pipeline_permissions,
       "vso.build", preview=True),
    _p("{project}/_apis/pipelines/checks/configurations", check_configurations, "vso.build", preview=True),
    _p("{project}/_apis/build/authorizedresources", authorized_resources, "vso.build", preview=True),
    route("GET", VSRM, "{project}/_apis/release/definitions", with_project(release_definitions), "vso.release"),
    route("GET", VSRM, "{project}/_apis/release/definitions/{definitionId}", with_project(get_release_definition),
          "vso.release"),
    _p("{project}/_apis/serviceendpoint/endpoints", service_endpoints, "vso.serviceendpoint",
       location=ENDPOINTS_LOCATION),
    _p("{project}/_apis/serviceendpoint/endpoints/{endpointId}", get_service_endpoint, "vso.serviceendpoint",
       location=ENDPOINTS_LOCATION),
    _p("{project}/_apis/serviceendpoint/{endpointId}/executionhistory", endpoint_history, "vso.serviceendpoint"),
    _p("{project}/_apis/distributedtask/variablegroups", variable_groups, "vso.variablegroups_read",
       location=VARIABLE_GROUPS_LOCATION),
    _p("{project}/_apis/distributedtask/variablegroups/{groupId}", get_variable_group, "vso.variablegroups_read",
       location=VARIABLE_GROUPS_LOCATION),
    _p("{project}/_apis/distributedtask/securefiles", secure_files, "vso.securefiles_read", preview=True),
    route("GET", DEV, "_apis/distributedtask/pools", pools, "vso.agentpools"),
    route("GET", DEV, "_apis/distributedtask/pools/{poolId}", get_pool, "vso.agentpools"),
    route("GET", DEV, "_apis/distributedtask/pools/{poolId}/agents", agents, "vso.agentpools"),
    _p("{project}/_apis/distributedtask/queues", queues, "vso.agentpools"),
    _p("{project}/_apis/distributedtask/environments", environments, "vso.environment_manage"),
    _p("{project}/_apis/distributedtask/environments/{environmentId}", get_environment, "vso.environment_manage"),
]
