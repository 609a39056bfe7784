"""Shared pieces of the endpoint modules: hosts, the route builder, project lookup and common renderers."""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from resmo_pipeline.simulator.data import OrgState
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response

DEV = "dev.azure.com"
VSSPS = "vssps.dev.azure.com"
VSAEX = "vsaex.dev.azure.com"
VSRM = "vsrm.dev.azure.com"
AUDIT = "auditservice.dev.azure.com"
FEEDS = "feeds.dev.azure.com"
EXTMGMT = "extmgmt.dev.azure.com"
ADVSEC = "advsec.dev.azure.com"
APP = "app.vssps.visualstudio.com"

ProjectHandler = Callable[[SimRequest, dict[str, Any]], SimResponse]


def route(method: str, host: str, pattern: str, handler: Callable[[SimRequest], SimResponse], scope: str, *,
          preview: bool = False, location: tuple[str, str, str, int] | None = None,
          cost: float = 0.05) -> Route:
    """One Route; `location` = (area, resource, location id, resource version) for the official client."""
    area, resource, location_id, version = location or ("", "", "", 1)
    return Route(method=method, host=host, pattern=pattern, handler=handler, scope=scope, preview_only=preview,
                 area=area, resource=resource, location_id=location_id, resource_version=version, tstu_cost=cost)


def state_of(request: SimRequest) -> OrgState:
    """The organization the request is served from."""
    return request.state


def project_not_found(name: str) -> SimResponse:
    """TF200016, exactly as the service words it."""
    return error_response(
        404,
        f"TF200016: The following project does not exist: {name}. Verify that the name of the project is correct "
        "and that the project exists on the specified Azure DevOps Server.",
        "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, "
        "Microsoft.TeamFoundation.Core.WebApi",
        "ProjectDoesNotExistWithNameException",
    )


def with_project(handler: ProjectHandler, param: str = "project") -> Callable[[SimRequest], SimResponse]:
    """Resolve the `{project}` (name or id) path parameter, answering TF200016 when it does not exist."""

    @functools.wraps(handler)
    def resolved(request: SimRequest) -> SimResponse:
        key = unquote(request.path_params.get(param) or "")
        project = state_of(request).project(key)
        if project is None:
            return project_not_found(key)
        return handler(request, project)

    return resolved


def optional_project(request: SimRequest) -> tuple[dict[str, Any] | None, SimResponse | None]:
    """For routes served with and without `{project}`: (the project or None, the 404 when it does not exist)."""
    key = request.path_params.get("project")
    if key is None:
        return None, None
    project = state_of(request).project(unquote(key))
    return project, (project_not_found(unquote(key)) if project is None else None)


def project_ref(project: dict[str, Any]) -> dict[str, Any]:
    """TeamProjectReference as lists and embedded references show it."""
    return {k: project[k] for k in ("id", "name", "description", "url", "state", "revision", "visibility",
                                    "lastUpdateTime")}


def public(item: dict[str, Any]) -> dict[str, Any]:
    """An object without the simulator's internal (`_`-prefixed, non-`_links`) keys."""
    return {k: v for k, v in item.items() if not k.startswith("_") or k == "_links"}


def truthy(value: str | None) -> bool:
    """A query flag the way the service reads it."""
    return (value or "").lower() == "true"


def name_matches(name: str, pattern: str | None) -> bool:
    """Name filters accept `*` wildcards and are case-insensitive."""
    return not pattern or fnmatch.fnmatch(name.lower(), pattern.lower())


def not_found(message: str, type_key: str, type_name: str) -> SimResponse:
    """A 404 with an explicit .NET type name."""
    return error_response(404, message, type_name, type_key)
