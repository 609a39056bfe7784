"""Endpoints of pipeline activity: builds (runs), git items (the YAML files pipelines run), task groups and
environment deployment records."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.routes_common import DEV, route, state_of, truthy, with_project
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response

BUILDS_LOCATION = ("build", "builds", "0cd358e1-9217-4d94-8269-1c1ee6f93dcf", 7)
ITEMS_LOCATION = ("git", "items", "fb93c0db-47ed-4a31-8c20-47552878fb44", 1)
TASK_GROUPS_LOCATION = ("distributedtask", "taskgroups", "6c08ffbf-dbf1-4f9a-94e5-a1cbd47005e7", 1)
DEPLOYMENT_RECORDS_LOCATION = ("distributedtask", "environmentdeploymentrecords",
                               "51bb5d21-4305-4ea6-9dbb-b7488af73334", 1)

#: The most runs one page holds when the caller names no `$top`.
BUILDS_DEFAULT_TOP = 1000
_ORDERS = {
    "queuetimeascending": ("queueTime", False), "queuetimedescending": ("queueTime", True),
    "starttimeascending": ("startTime", False), "starttimedescending": ("startTime", True),
    "finishtimeascending": ("finishTime", False), "finishtimedescending": ("finishTime", True),
}
_BUILD_WEBAPI = "Microsoft.TeamFoundation.Build.WebApi"
_GIT = "Microsoft.TeamFoundation.Git.Server"
_FRACTION = re.compile(r"(\.\d{6})\d+")


def moment(text: str | None) -> datetime | None:
    """A service timestamp (7 fractional digits, `Z`) or a query time as an aware UTC datetime."""
    if not text:
        return None
    cleaned = _FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(cleaned)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _bad_request(message: str) -> SimResponse:
    return error_response(400, message, "System.ArgumentException, mscorlib", "ArgumentException")


def builds(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Runs of the project's pipelines. `queryOrder` picks the time `minTime`/`maxTime` filter on (finish-time
    orders list finished runs only); statusFilter, resultFilter, reasonFilter, definitions; header token."""
    state = state_of(request)
    order = (request.param("queryOrder") or "queueTimeDescending").lower()
    if order not in _ORDERS:
        return _bad_request(f"The value '{request.param('queryOrder')}' is not valid for queryOrder.")
    field, newest_first = _ORDERS[order]
    try:
        low, high = moment(request.param("minTime")), moment(request.param("maxTime"))
    except ValueError:
        return _bad_request("minTime and maxTime must be ISO 8601 dates.")
    statuses = _set(request.param("statusFilter"))
    results = _set(request.param("resultFilter"))
    reasons = _set(request.param("reasonFilter"))
    definitions = _set(request.param("definitions"))
    branch = request.param("branchName")
    if statuses and "all" in statuses:
        statuses = set()

    def wanted(run: dict[str, Any]) -> bool:
        stamp = moment(run.get(field))
        if field == "finishTime" and stamp is None:
            return False
        if (low and (stamp is None or stamp < low)) or (high and (stamp is None or stamp > high)):
            return False
        return ((not statuses or run["status"].lower() in statuses)
                and (not results or str(run.get("result")).lower() in results)
                and (not reasons or run["reason"].lower() in reasons)
                and (not definitions or str(run["definition"]["id"]) in definitions)
                and (not branch or run["sourceBranch"] == branch))

    def key(run: dict[str, Any]) -> Any:
        stamp = run.get(field) or ""
        return (paging.descending(stamp), -run["id"]) if newest_first else (stamp, run["id"])

    cache = paging.cache_for(state, "builds", project["id"], order, request.param("minTime"),
                             request.param("maxTime"), *(tuple(sorted(s)) for s in (statuses, results, reasons,
                                                                                    definitions)), branch,
                             len(state.build_runs.get(project["id"], [])))
    return paging.header_token(
        request, lambda: [r for r in state.build_runs.get(project["id"], []) if wanted(r)], key=key,
        default_top=BUILDS_DEFAULT_TOP, cache=cache,
    )


def _set(value: str | None) -> set[str]:
    return {v.strip().lower() for v in (value or "").split(",") if v.strip()}


def _repository_not_found(key: str) -> SimResponse:
    return error_response(
        404, f"TF401019: The Git repository with name or identifier {key} does not exist or you do not have "
        "permissions for the operation you are attempting.",
        f"{_GIT}.GitRepositoryNotFoundException, {_GIT}", "GitRepositoryNotFoundException")


def git_item(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One file's metadata and (includeContent=true) text, at a branch (default: the repository's default)."""
    state = state_of(request)
    key = request.path_params["repositoryId"]
    repo = state.repository(key, project["id"])
    if repo is None:
        return _repository_not_found(key)
    path = request.param("path") or request.param("scopePath")
    if not path:
        return _bad_request("The path parameter is required.")
    path = "/" + path.lstrip("/")
    version = request.param("versionDescriptor.version")
    branch = f"refs/heads/{version}" if version else repo.get("defaultBranch")
    ref = next((r for r in state.refs.get(repo["id"], []) if r["name"] == branch), None)
    if repo.get("isDisabled") or branch is None or ref is None:
        return error_response(
            404, f"TF401175:The version descriptor <Branch: {version or branch} > could not be resolved to a "
            "version in the repository " + repo["name"],
            f"{_GIT}.GitUnresolvableToCommitException, {_GIT}", "GitUnresolvableToCommitException")
    file = state.pipeline_files.get((repo["id"], path.lower()))
    if file is None:
        return error_response(
            404, f"TF401174: The item '{path}' could not be found in the repository '{repo['name']}' at the "
            f"version specified by '<Branch: {branch.removeprefix('refs/heads/')} >' (resolved to commit "
            f"'{ref['objectId']}').",
            f"{_GIT}.GitItemNotFoundException, {_GIT}", "GitItemNotFoundException")
    if file.get("_denied"):
        return error_response(
            403, "TF401027: You need the Git 'GenericRead' permission to perform this action. Details: identity "
            f"'{request.identity.get('displayName', '')}', scope 'repository'.",
            f"{_GIT}.GitNeedsPermissionException, {_GIT}", "GitNeedsPermissionException")
    url = (f"{state.base}/{project['id']}/_apis/git/repositories/{repo['id']}/items?path={path}"
           f"&versionType=Branch&version={branch.removeprefix('refs/heads/')}&versionOptions=None")
    body: dict[str, Any] = {
        "objectId": file["objectId"],
        "gitObjectType": "blob",
        "commitId": file["commitId"] if file["commitId"] else ref["objectId"],
        "path": file["path"],
        "url": url,
        "_links": {"self": {"href": url}, "repository": {"href": repo["url"]},
                   "blob": {"href": f"{repo['url']}/blobs/{file['objectId']}"}},
    }
    if truthy(request.param("includeContent")):
        body["content"] = file["content"]
    return json_response(body)


def task_groups(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Task groups of the project (deleted ones only with deleted=true), or one by `{taskGroupId}`."""
    items = state_of(request).task_groups.get(project["id"], [])
    wanted = request.path_params.get("taskGroupId")
    deleted = truthy(request.param("deleted"))
    return paging.collection([g for g in items if (deleted or not g.get("deleted"))
                              and (not wanted or g["id"] == wanted.lower())])


def deployment_records(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Deployment records of one environment, newest first; `top` with an opaque header token."""
    state = state_of(request)
    raw = request.path_params["environmentId"]
    environment = next((e for e in state.environments.get(project["id"], []) if str(e["id"]) == raw), None)
    if environment is None:
        return error_response(
            404, f"Environment with id {raw} does not exist or you do not have permissions to access it.",
            "Microsoft.TeamFoundation.DistributedTask.WebApi.EnvironmentNotFoundException, "
            "Microsoft.TeamFoundation.DistributedTask.WebApi", "EnvironmentNotFoundException")
    records = state.environment_deployment_records.get(int(environment["id"]), [])
    cache = paging.cache_for(state, "environment_deployment_records", environment["id"], len(records))
    return paging.header_token(request, records, key=lambda r: -r["id"], default_top=None, top_param="top",
                               cache=cache)


def _p(pattern: str, handler: Any, scope: str, **kwargs: Any) -> Route:
    return route("GET", DEV, pattern, with_project(handler), scope, **kwargs)


ROUTES: list[Route] = [
    _p("{project}/_apis/build/builds", builds, "vso.build", location=BUILDS_LOCATION),
    _p("{project}/_apis/git/repositories/{repositoryId}/items", git_item, "vso.code", location=ITEMS_LOCATION),
    _p("{project}/_apis/distributedtask/taskgroups", task_groups, "vso.build", preview=True,
       location=TASK_GROUPS_LOCATION),
    _p("{project}/_apis/distributedtask/taskgroups/{taskGroupId}", task_groups, "vso.build", preview=True,
       location=TASK_GROUPS_LOCATION),
    _p("{project}/_apis/distributedtask/environments/{environmentId}/environmentdeploymentrecords",
       deployment_records, "vso.environment_manage", location=DEPLOYMENT_RECORDS_LOCATION),
]
