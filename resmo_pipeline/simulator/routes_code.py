"""Code endpoints: repositories, refs, policy types and branch policy configurations."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.data import POLICY_TYPES, OrgState
from resmo_pipeline.simulator.routes_common import DEV, optional_project, route, state_of, with_project
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response

REFS_MAX_TOP = 1000
REFS_TOKEN_ONLY_TOP = 100


def _repo_not_found(key: str) -> SimResponse:
    return error_response(
        404,
        f"TF401019: The Git repository with name or identifier {key} does not exist or you do not have permissions "
        "for the operation you are attempting.",
        "Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException, Microsoft.TeamFoundation.Git.Server",
        "GitRepositoryNotFoundException",
    )


def _find_repo(state: OrgState, key: str, project: dict[str, Any] | None) -> dict[str, Any] | None:
    return state.repository(key, project["id"] if project else None)


def repositories(request: SimRequest) -> SimResponse:
    """Repositories of the organization or of one project (no paging)."""
    project, error = optional_project(request)
    if error:
        return error
    repos = [r for r in state_of(request).repositories if project is None or r["project"]["id"] == project["id"]]
    return paging.collection(repos)


def get_repository(request: SimRequest) -> SimResponse:
    """One repository by id or name."""
    project, error = optional_project(request)
    if error:
        return error
    repo = _find_repo(state_of(request), request.path_params["repositoryId"], project)
    if repo is None:
        return _repo_not_found(request.path_params["repositoryId"])
    return json_response(repo)


def refs(request: SimRequest) -> SimResponse:
    """Refs of a repository (`filter=heads/`), `$top` ≤ 1000 with an opaque header token."""
    project, error = optional_project(request)
    if error:
        return error
    state = state_of(request)
    repo = _find_repo(state, request.path_params["repositoryId"], project)
    if repo is None:
        return _repo_not_found(request.path_params["repositoryId"])
    prefix = "refs/" + (request.param("filter") or "").lstrip("/") if request.param("filter") else "refs/"
    contains = (request.param("filterContains") or "").lower()

    def items() -> list[dict[str, Any]]:
        return [r for r in state.refs.get(repo["id"], []) if r["name"].startswith(prefix)
                and contains in r["name"].lower()]

    return paging.header_token(request, items, key=lambda r: r["name"], default_top=None, max_top=REFS_MAX_TOP,
                               token_only_top=REFS_TOKEN_ONLY_TOP,
                               cache=paging.cache_for(state, "refs", repo["id"], prefix, contains))


def _policy_type(state: OrgState, project: dict[str, Any], type_id: str, name: str, description: str
                 ) -> dict[str, Any]:
    url = f"{state.base}/{project['id']}/_apis/policy/types/{type_id}"
    return {"description": description, "_links": {"self": {"href": url}}, "id": type_id, "url": url,
            "displayName": name}


def policy_types(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """The branch policy types (no paging)."""
    state = state_of(request)
    return paging.collection([_policy_type(state, project, *t) for t in POLICY_TYPES])


def get_policy_type(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One policy type."""
    type_id = request.path_params["typeId"].lower()
    for entry in POLICY_TYPES:
        if entry[0] == type_id:
            return json_response(_policy_type(state_of(request), project, *entry))
    return error_response(404, f"Policy type {type_id} not found.",
                          "Microsoft.TeamFoundation.Policy.WebApi.PolicyTypeNotFoundException, "
                          "Microsoft.TeamFoundation.Policy.WebApi", "PolicyTypeNotFoundException")


def _policies(request: SimRequest, project: dict[str, Any]) -> list[dict[str, Any]]:
    policy_type = (request.param("policyType") or "").lower()
    return [p for p in state_of(request).policy_configurations[project["id"]]
            if not p["isDeleted"] and (not policy_type or p["type"]["id"] == policy_type)]


def policy_configurations(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Branch policies of a project, `$top` with an opaque header token."""
    cache = paging.cache_for(state_of(request), "policies", project["id"], (request.param("policyType") or "").lower())
    return paging.header_token(request, lambda: _policies(request, project), key=lambda p: p["id"], default_top=None,
                               cache=cache)


def _scope_applies(scope: dict[str, Any], repo_id: str | None, ref_name: str | None, state: OrgState) -> bool:
    if repo_id and scope.get("repositoryId") not in (None, repo_id):
        return False
    if not ref_name:
        return True
    kind = scope.get("matchKind", "Exact")
    if kind == "DefaultBranch":
        target_id = repo_id or scope.get("repositoryId")
        target = state.repository(target_id) if target_id else None
        return target.get("defaultBranch") == ref_name if target is not None and target["id"] == target_id else True
    scope_ref = scope.get("refName")
    if scope_ref is None:
        return True
    return ref_name == scope_ref if kind == "Exact" else ref_name.startswith(scope_ref)


def git_policy_configurations(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Branch policies that apply to a repository and/or ref (`repositoryId`, `refName`), header token paging."""
    state = state_of(request)
    repo_id = (request.param("repositoryId") or "").lower() or None
    ref_name = request.param("refName")

    def items() -> list[dict[str, Any]]:
        return [p for p in _policies(request, project)
                if any(_scope_applies(s, repo_id, ref_name, state) for s in p["settings"].get("scope", [{}]))]

    cache = paging.cache_for(state, "git_policies", project["id"], (request.param("policyType") or "").lower(),
                             repo_id, ref_name)
    return paging.header_token(request, items, key=lambda p: p["id"], default_top=None, cache=cache)


def get_policy_configuration(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One policy configuration by id."""
    raw = request.path_params["configurationId"]
    for policy in state_of(request).policy_configurations[project["id"]]:
        if str(policy["id"]) == raw:
            return json_response(policy)
    return error_response(404, f"TF401368: The policy configuration {raw} does not exist.",
                          "Microsoft.TeamFoundation.Policy.WebApi.PolicyConfigurationNotFoundException, "
                          "Microsoft.TeamFoundation.Policy.WebApi", "PolicyConfigurationNotFoundException")


REPOS_LOCATION = ("git", "repositories", "225f7195-f9c7-4d14-ab28-a83f7ff77e1f", 1)
REFS_LOCATION = ("git", "refs", "2d874a60-a811-4f62-9c9f-963a6ea0a55b", 1)

ROUTES: list[Route] = [
    route("GET", DEV, "_apis/git/repositories", repositories, "vso.code", location=REPOS_LOCATION),
    route("GET", DEV, "{project}/_apis/git/repositories", repositories, "vso.code", location=REPOS_LOCATION),
    route("GET", DEV, "_apis/git/repositories/{repositoryId}", get_repository, "vso.code", location=REPOS_LOCATION),
    route("GET", DEV, "{project}/_apis/git/repositories/{repositoryId}", get_repository, "vso.code",
          location=REPOS_LOCATION),
    route("GET", DEV, "_apis/git/repositories/{repositoryId}/refs", refs, "vso.code", location=REFS_LOCATION),
    route("GET", DEV, "{project}/_apis/git/repositories/{repositoryId}/refs", refs, "vso.code",
          location=REFS_LOCATION),
    route("GET", DEV, "{project}/_apis/policy/types", with_project(policy_types), "vso.code"),
    route("GET", DEV, "{project}/_apis/policy/types/{typeId}", with_project(get_policy_type), "vso.code"),
    route("GET", DEV, "{project}/_apis/policy/configurations", with_project(policy_configurations), "vso.code"),
    route("GET", DEV, "{project}/_apis/policy/configurations/{configurationId}",
          with_project(get_policy_configuration), "vso.code"),
    route("GET", DEV, "{project}/_apis/git/policy/configurations", with_project(git_policy_configurations),
          "vso.code"),
]
