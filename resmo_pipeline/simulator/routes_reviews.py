"""Code review endpoints: pull requests of a project and Advanced Security enablement of a repository."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.routes_code import _repo_not_found
from resmo_pipeline.simulator.routes_common import ADVSEC, DEV, route, state_of, with_project
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, json_response

PR_STATUSES = ("notSet", "active", "abandoned", "completed", "all")
#: The service's page when no `$top` is sent.
PR_DEFAULT_TOP = 101


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:
        # The service writes 7 fractional digits; Python reads at most 6.
        head, tail = text.split(".", 1)
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits):]}"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _criterion(request: SimRequest, name: str) -> str | None:
    return request.param(f"searchCriteria.{name}")


def pull_requests(request: SimRequest, project: dict[str, Any], in_repository: str | None = None) -> SimResponse:
    """Pull requests of a project (or of `in_repository`): `searchCriteria.status` (default active),
    repositoryId, creatorId, reviewerId, source/targetRefName, minTime/maxTime on created (default) or closed;
    newest first, `$top`/`$skip` paging."""
    status = _criterion(request, "status") or "active"
    if status not in PR_STATUSES:
        return paging.bad_parameter("searchCriteria.status", status)
    try:
        low, high = _moment(_criterion(request, "minTime")), _moment(_criterion(request, "maxTime"))
    except ValueError:
        return paging.bad_parameter("searchCriteria.minTime", _criterion(request, "minTime"))
    field = "closedDate" if (_criterion(request, "queryTimeRangeType") or "created").lower() == "closed" \
        else "creationDate"
    repo_id = (_criterion(request, "repositoryId") or "").lower()
    creator = (_criterion(request, "creatorId") or "").lower()
    reviewer = (_criterion(request, "reviewerId") or "").lower()
    source, target = _criterion(request, "sourceRefName"), _criterion(request, "targetRefName")

    def keep(pr: dict[str, Any]) -> bool:
        if status not in ("all", "notSet") and pr["status"] != status:
            return False
        if repo_id and pr["repository"]["id"] != repo_id:
            return False
        if in_repository and pr["repository"]["id"] != in_repository:
            return False
        if creator and pr["createdBy"]["id"] != creator:
            return False
        if reviewer and all(r["id"] != reviewer for r in pr["reviewers"]):
            return False
        if (source and pr["sourceRefName"] != source) or (target and pr["targetRefName"] != target):
            return False
        if low is not None or high is not None:
            stamp = _moment(pr.get(field))
            # "after"/"before" are strict: a client resuming from the newest time it stored sees nothing again.
            if stamp is None or (low is not None and stamp <= low) or (high is not None and stamp >= high):
                return False
        return True

    items = sorted((pr for pr in state_of(request).pull_requests.get(project["id"], []) if keep(pr)),
                   key=lambda pr: -pr["pullRequestId"])
    return paging.top_skip(request, items, default_top=PR_DEFAULT_TOP)


def repository_pull_requests(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """`git/repositories/{repositoryId}/pullrequests`: the project listing narrowed to one repository."""
    key = unquote(request.path_params["repositoryId"])
    repo = state_of(request).repository(key, project["id"])
    if repo is None:
        return _repo_not_found(key)
    return pull_requests(request, project, in_repository=repo["id"])


def repo_enablement(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Advanced Security enablement of one repository (all off when never enabled)."""
    state = state_of(request)
    key = unquote(request.path_params["repository"])
    repo = state.repository(key, project["id"])
    if repo is None:
        return _repo_not_found(key)
    found = state.advsec_enablement.get(repo["id"])
    if found is None:
        found = {"projectId": project["id"], "repositoryId": repo["id"],
                 "secretProtectionFeatures": {"secretProtectionEnabled": False, "blockPushes": False},
                 "codeSecurityFeatures": {"codeSecurityEnabled": False, "dependencyScanningInjectionEnabled": False,
                                          "codeQLEnabled": False, "autofixEnabled": False}}
    body = dict(found)
    if (request.param("includeAllProperties") or "").lower() != "true":
        # blockPushes is only worked out when asked for (includeAllProperties=true).
        body["secretProtectionFeatures"] = {k: v for k, v in found["secretProtectionFeatures"].items()
                                            if k != "blockPushes"}
    return json_response(body)


PULL_REQUESTS_LOCATION = ("git", "pullRequests", "a5d28130-9cd2-40fa-9f08-902e7daa9efb", 1)
REPOSITORY_PULL_REQUESTS_LOCATION = ("git", "pullRequests", "9946fd70-0d40-406e-b686-b4744cbbcc37", 1)

ROUTES: list[Route] = [
    route("GET", DEV, "{project}/_apis/git/pullrequests", with_project(pull_requests), "vso.code",
          location=PULL_REQUESTS_LOCATION),
    route("GET", DEV, "{project}/_apis/git/repositories/{repositoryId}/pullrequests",
          with_project(repository_pull_requests), "vso.code", location=REPOSITORY_PULL_REQUESTS_LOCATION),
    route("GET", ADVSEC, "{project}/_apis/management/repositories/{repository}/enablement",
          with_project(repo_enablement), "vso.advsec", preview=True),
]
