"""Azure Artifacts: package feeds (organization and project) and who holds which role on them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.catalog.common import PER_PROJECT, dig
from resmo_pipeline.catalog.model import FanOut, ResourceType, col, ctx

AREA = "artifacts"

ORG_FEEDS = Endpoint(
    host="feeds.dev.azure.com", path="_apis/packaging/feeds", api_version="7.1", scope="vso.packaging",
)
PROJECT_FEEDS = Endpoint(
    host="feeds.dev.azure.com", path="{project}/_apis/packaging/feeds", api_version="7.1",
    scope="vso.packaging",
)
_PERMISSION_PARAMS = {"includeIds": "true", "excludeInheritedPermissions": "false"}
ORG_FEED_PERMISSIONS = Endpoint(
    host="feeds.dev.azure.com", path="_apis/packaging/feeds/{feedId}/permissions", api_version="7.1",
    params=_PERMISSION_PARAMS, scope="vso.packaging",
)
PROJECT_FEED_PERMISSIONS = Endpoint(
    host="feeds.dev.azure.com", path="{project}/_apis/packaging/feeds/{feedId}/permissions", api_version="7.1",
    params=_PERMISSION_PARAMS, scope="vso.packaging",
)


def _has_public_upstream(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool:
    return any(source.get("upstreamSourceType") == "public" for source in item.get("upstreamSources") or [])


def _feed_project(field: str):
    def extract(item: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        return dig(item, f"project.{field}") or context.get(f"project_{field}")

    return extract


def _is_org_feed(feed: Mapping[str, Any]) -> bool:
    return feed.get("project_id") is None


_FEED_CONTEXT = {"feed_id": "id", "feed_name": "name", "project_id": "project_id"}

TYPES = (
    ResourceType(
        name="feeds",
        area=AREA,
        description="Package feeds of the organization and of each project, with their upstream sources "
        "(public registries such as npmjs or nuget.org).",
        endpoint=ORG_FEEDS,
        scope="project",
        fan_out=(FanOut(parent=None), FanOut(parent="projects", path_params={"project": "id"},
                                            context={"project_id": "id", "project_name": "name"},
                                            where=PER_PROJECT.where, endpoint=PROJECT_FEEDS)),
        key=("id",),
        columns=(
            col("id", "VARCHAR"),
            col("name", "VARCHAR"),
            col("description", "VARCHAR"),
            col("project_id", "VARCHAR", _feed_project("id"), "NULL for organization-scoped feeds."),
            col("project_name", "VARCHAR", _feed_project("name")),
            col("fully_qualified_name", "VARCHAR"),
            col("upstream_enabled", "BOOLEAN"),
            col("upstream_sources", "JSON"),
            col("has_public_upstream", "BOOLEAN", _has_public_upstream),
            col("is_read_only", "BOOLEAN"),
            col("hide_deleted_package_versions", "BOOLEAN"),
            col("badges_enabled", "BOOLEAN"),
            col("capabilities", "VARCHAR"),
            col("url", "VARCHAR"),
        ),
        required_scope="vso.packaging",
        expect_duplicates=True,
        audit_actions=("Artifacts.",),
    ),
    ResourceType(
        name="feed_permissions",
        area=AREA,
        description="Roles (reader, collaborator, contributor, administrator) identities hold on each feed.",
        endpoint=ORG_FEED_PERMISSIONS,
        scope="parent",
        fan_out=(
            FanOut(parent="feeds", path_params={"feedId": "id"}, context=_FEED_CONTEXT, where=_is_org_feed),
            FanOut(parent="feeds", path_params={"project": "project_id", "feedId": "id"}, context=_FEED_CONTEXT,
                   where=lambda feed: not _is_org_feed(feed), endpoint=PROJECT_FEED_PERMISSIONS),
        ),
        key=("feed_id", "identity_descriptor"),
        columns=(
            ctx("feed_id"),
            ctx("feed_name"),
            ctx("project_id"),
            col("role", "VARCHAR", description="reader, collaborator, contributor, administrator, custom, none."),
            col("identity_descriptor", "VARCHAR"),
            col("identity_id", "VARCHAR"),
            col("display_name", "VARCHAR"),
            col("is_inherited_role", "BOOLEAN"),
        ),
        required_scope="vso.packaging",
        audit_actions=("Artifacts.",),
    ),
)
