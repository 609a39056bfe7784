"""Azure Artifacts settings: feed retention policies, and location metadata for the global permissions.

`GET {project?}/_apis/packaging/Feeds/{feedId}/retentionpolicies` (7.1-preview.1) answers the feed's
FeedRetentionPolicy, or 404 when the feed has none (what the service does: the Terraform provider and the
AzureDevOpsDsc module both treat that 404 as "no policy"). `_apis/packaging/globalpermissions` is served by
routes_org.py; the route repeated here only carries the location id the official client's
`get_global_permissions` asks for (routes_org's route is listed first, so it still answers).
"""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator.routes_common import FEEDS, optional_project, route, state_of
from resmo_pipeline.simulator.routes_org import feed_global_permissions
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response

RETENTION_LOCATION = ("Packaging", "RetentionPolicies", "ed52a011-0112-45b5-9f9e-e14efffb3193", 1)
GLOBAL_PERMISSIONS_LOCATION = ("Packaging", "GlobalPermissions", "a74419ef-b477-43df-8758-3cd1cd5f56c6", 1)
_FEED_WEBAPI = "Microsoft.VisualStudio.Services.Feed.WebApi"


def _feed(request: SimRequest, project: dict[str, Any] | None) -> dict[str, Any] | None:
    key = request.path_params["feedId"].lower()
    for feed in state_of(request).feeds:
        in_scope = feed["project"] is None if project is None else (feed["project"] or {}).get("id") == project["id"]
        if in_scope and key in (feed["id"], feed["name"].lower()):
            return feed
    return None


def feed_retention_policy(request: SimRequest) -> SimResponse:
    """The feed's retention policy; 404 FeedIdNotFound for an unknown feed, 404 for a feed without policy."""
    project, error = optional_project(request)
    if error:
        return error
    feed = _feed(request, project)
    if feed is None:
        return error_response(404, f"Feed with id '{request.path_params['feedId']}' doesn't exist.",
                              f"{_FEED_WEBAPI}.FeedIdNotFoundException, {_FEED_WEBAPI}", "FeedIdNotFoundException")
    policy = state_of(request).feed_retention_policies.get(feed["id"])
    if policy is None:
        return error_response(404, f"No retention policy is set for feed '{feed['name']}'.",
                              f"{_FEED_WEBAPI}.FeedRetentionPolicyNotFoundException, {_FEED_WEBAPI}",
                              "FeedRetentionPolicyNotFoundException")
    return json_response(dict(policy))


ROUTES: list[Route] = [
    route("GET", FEEDS, "{project}/_apis/packaging/Feeds/{feedId}/retentionpolicies", feed_retention_policy,
          "vso.packaging", preview=True, location=RETENTION_LOCATION),
    route("GET", FEEDS, "_apis/packaging/Feeds/{feedId}/retentionpolicies", feed_retention_policy,
          "vso.packaging", preview=True, location=RETENTION_LOCATION),
    route("GET", FEEDS, "_apis/packaging/globalpermissions", feed_global_permissions, "vso.packaging",
          preview=True, location=GLOBAL_PERMISSIONS_LOCATION),
]
