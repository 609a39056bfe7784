"""Azure Artifacts: package feeds (organization and project), who holds which role on them, their retention
policies, and the organization-wide packaging permissions (who may create feeds or administer the service)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint, NotFoundError
from resmo_pipeline.catalog.common import PER_PROJECT, dig
from resmo_pipeline.catalog.model import Call, FanOut, FetchContext, Record, ResourceType, col, ctx
from resmo_pipeline.catalog.security import IDENTITIES, _resolve_identities

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

# Retention policies and global permissions are preview APIs (7.1-preview.1 in the spec and the official client).
ORG_FEED_RETENTION = Endpoint(
    host="feeds.dev.azure.com", path="_apis/packaging/Feeds/{feedId}/retentionpolicies",
    api_version="7.1-preview.1", items_key=None, scope="vso.packaging",
)
PROJECT_FEED_RETENTION = Endpoint(
    host="feeds.dev.azure.com", path="{project}/_apis/packaging/Feeds/{feedId}/retentionpolicies",
    api_version="7.1-preview.1", items_key=None, scope="vso.packaging",
)
GLOBAL_PERMISSIONS = Endpoint(
    host="feeds.dev.azure.com", path="_apis/packaging/globalpermissions", api_version="7.1-preview.1",
    params={"includeIds": "true"}, scope="vso.packaging",
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

_RETENTION_FAN_OUT = (
    FanOut(parent="feeds", path_params={"feedId": "id"}, context=_FEED_CONTEXT, where=_is_org_feed,
           endpoint=ORG_FEED_RETENTION),
    FanOut(parent="feeds", path_params={"project": "project_id", "feedId": "id"}, context=_FEED_CONTEXT,
           where=lambda feed: not _is_org_feed(feed), endpoint=PROJECT_FEED_RETENTION),
)


#: 404 type keys meaning the feed itself is gone (not that it lacks a policy).
_FEED_GONE = frozenset({"FeedIdNotFoundException", "FeedNotFoundException"})


def _fetch_retention_policies(fc: FetchContext) -> list[Record]:
    """One call per feed; a feed without a retention policy answers 404 and becomes a row of NULLs."""
    planned: list[tuple[Endpoint, Call]] = []
    for fan in _RETENTION_FAN_OUT:
        assert fan.endpoint is not None
        planned.extend((fan.endpoint, call) for call in fan.calls(fc.parent_rows.get("feeds", [])))
    if fc.only is not None:
        planned = [plan for plan in planned if fc.only(plan[1].context)]
    vanished: list[str] = []

    def read(plan: tuple[Endpoint, Call]) -> Record | None:
        endpoint, call = plan
        context = {**call.context, "has_policy": True}
        try:
            body = fc.client.get(endpoint, path_params=call.path_params)
        except NotFoundError as error:
            if error.type_key in _FEED_GONE:
                vanished.append(str(call.context.get("feed_name")))
                return None
            body = None  # any other 404: the feed has no policy
        if not isinstance(body, dict) or not body:
            return {}, {**context, "has_policy": False}
        return body, context

    records = [record for record in fc.client.map(read, planned) if record is not None]
    if vanished:
        fc.warnings.append(f"{len(vanished)} feed(s) not found, removed during the sync? (first: {vanished[0]})")
    return records


def _resolve_global_identities(fc: FetchContext, records: list[Record]) -> list[Record]:
    """Names the identity behind each permission's descriptor (identities API; a refusal is a warning)."""
    shadows = [({"descriptor": item.get("identityDescriptor")}, context) for item, context in records]
    _resolve_identities(fc, shadows)
    return records

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
            col("id", "VARCHAR", description="Feed id (GUID)."),
            col("name", "VARCHAR", description="Feed name."),
            col("description", "VARCHAR", description="Feed description."),
            col("project_id", "VARCHAR", _feed_project("id"),
                "The feed's project (join to projects.id); NULL for organization-scoped feeds."),
            col("project_name", "VARCHAR", _feed_project("name"),
                "The feed's project; NULL for organization-scoped feeds."),
            col("fully_qualified_name", "VARCHAR", description="Full name of the feed, in feed@view form."),
            col("upstream_enabled", "BOOLEAN", description="True when the feed uses upstream sources."),
            col("upstream_sources", "JSON",
                description="Upstream sources: name, protocol, location and upstreamSourceType (public or internal)."),
            col("has_public_upstream", "BOOLEAN", _has_public_upstream,
                "True when an upstream source is a public registry (npmjs, nuget.org, PyPI, ...)."),
            col("is_read_only", "BOOLEAN", description="True when the feed is read-only."),
            col("hide_deleted_package_versions", "BOOLEAN",
                description="True when deleted package versions are hidden from the feed."),
            col("badges_enabled", "BOOLEAN", description="True when package badges can be generated for the feed."),
            col("capabilities", "VARCHAR", description="Feed capability flags, e.g. defaultCapabilities, upstreamV2."),
            col("url", "VARCHAR", description="REST API URL of the feed."),
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
            ctx("feed_id", description="The feed (join to feeds.id)."),
            ctx("feed_name", description="Name of that feed."),
            ctx("project_id", description="The feed's project; NULL for organization-scoped feeds."),
            col("role", "VARCHAR",
                description="Role on the feed: reader, collaborator, contributor, administrator, custom, none."),
            col("identity_descriptor", "VARCHAR",
                description="Legacy identity descriptor of the user or group holding the role."),
            col("identity_id", "VARCHAR", description="Identity id of that user or group."),
            col("display_name", "VARCHAR", description="Display name of that user or group."),
            col("is_inherited_role", "BOOLEAN",
                description="True when the role is inherited rather than set on the feed."),
        ),
        required_scope="vso.packaging",
        audit_actions=("Artifacts.",),
    ),
    ResourceType(
        name="feed_retention_policies",
        area=AREA,
        description="Each feed's retention policy: how many versions of a package are kept and for how long a "
        "recently downloaded version is kept. A feed without a policy (the API answers 404) has a row with "
        "has_policy false and NULL limits.",
        endpoint=ORG_FEED_RETENTION,
        scope="parent",
        fan_out=_RETENTION_FAN_OUT,
        fetch=_fetch_retention_policies,
        key=("feed_id",),
        columns=(
            ctx("feed_id", description="The feed (join to feeds.id)."),
            ctx("feed_name", description="Name of that feed."),
            ctx("project_id",
                description="The feed's project (join to projects.id); NULL for organization-scoped feeds."),
            ctx("has_policy", "BOOLEAN", "True when the feed has a retention policy."),
            col("count_limit", "BIGINT", description="Maximum versions kept per package."),
            col("days_to_keep_recently_downloaded_packages", "BIGINT",
                description="Days a version is kept after its latest download."),
            col("age_limit_in_days", "BIGINT", description="Deprecated; not honoured by retention."),
        ),
        required_scope="vso.packaging",
        audit_actions=("Artifacts.",),
    ),
    ResourceType(
        name="feed_global_permissions",
        area=AREA,
        description="Organization-wide Azure Artifacts permissions: who may create feeds (feedCreator) and who "
        "administers the feed service (administrator). Names come from the identities API.",
        endpoint=GLOBAL_PERMISSIONS,
        scope="organization",
        key=("identity_descriptor", "role"),
        columns=(
            col("identity_descriptor", "VARCHAR",
                description="Legacy identity descriptor of the user or group holding the role."),
            col("identity_id", "VARCHAR", description="Identity id of the user or group holding the role."),
            col("role", "VARCHAR",
                description="Organization-wide Artifacts role: administrator, feedCreator, none or custom."),
            ctx("identity_display_name",
                description="The identity's display name; NULL when the identities API did not answer."),
            ctx("identity_account", description="Account name, e.g. [org]\\Project Collection Valid Users."),
            ctx("identity_is_group", "BOOLEAN",
                description="True when the identity is a group; NULL when not resolved."),
        ),
        required_scope="vso.packaging",
        enrich=_resolve_global_identities,
        extra_endpoints=(IDENTITIES,),
        audit_actions=("Artifacts.",),
    ),
)
