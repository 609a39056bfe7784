"""Boards: team boards, delivery plans, and which services (Boards, Repos, Pipelines, ...) each project has on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint, NotFoundError
from resmo_pipeline.catalog.common import LIVE_PROJECT_STATES, PER_PROJECT, dig, identity_name
from resmo_pipeline.catalog.model import FanOut, FetchContext, Record, ResourceType, col, ctx

AREA = "boards"

BOARDS = Endpoint(
    host="dev.azure.com", path="{project}/{team}/_apis/work/boards", api_version="7.1", scope="vso.work",
)
BOARD = Endpoint(
    host="dev.azure.com", path="{project}/{team}/_apis/work/boards/{id}", api_version="7.1", items_key=None,
    scope="vso.work",
)
PLANS = Endpoint(host="dev.azure.com", path="{project}/_apis/work/plans", api_version="7.1", scope="vso.work")
PLAN = Endpoint(
    host="dev.azure.com", path="{project}/_apis/work/plans/{id}", api_version="7.1", items_key=None,
    scope="vso.work",
)
FEATURE_STATES_QUERY = Endpoint(
    host="dev.azure.com", path="_apis/FeatureManagement/FeatureStatesQuery/host/project/{projectId}",
    api_version="7.1-preview.1", items_key=None, scope="vso.project",
)

#: The project services Feature Management switches, by feature id.
PROJECT_SERVICES: dict[str, str] = {
    "ms.vss-work.agile": "Boards",
    "ms.vss-code.version-control": "Repos",
    "ms.vss-build.pipelines": "Pipelines",
    "ms.vss-test-web.test": "Test Plans",
    "ms.azure-artifacts.feature": "Artifacts",
}


def _detail(fc: FetchContext, records: list[Record], endpoint: Endpoint,
            path_params: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]) -> list[Record]:
    """Replace each listed item by its full GET (one request each, in parallel); a vanished one keeps the list
    item."""

    def read(record: Record) -> Record:
        item, context = record
        try:
            body = fc.client.get(endpoint, path_params=path_params(item, context))
        except NotFoundError:
            fc.warnings.append(f"{endpoint.path}: {item.get('id')} not found, removed during the sync?")
            return item, context
        return ({**item, **body} if isinstance(body, dict) else item), context

    return fc.client.map(read, records)


def _board_details(fc: FetchContext, records: list[Record]) -> list[Record]:
    return _detail(fc, records, BOARD, lambda item, c: {"project": c["project_id"], "team": c["team_id"],
                                                        "id": item["id"]})


def _plan_details(fc: FetchContext, records: list[Record]) -> list[Record]:
    return _detail(fc, records, PLAN, lambda item, c: {"project": c["project_id"], "id": item["id"]})


def _columns(item: Mapping[str, Any], _context: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"name": c.get("name"), "columnType": c.get("columnType"), "itemLimit": c.get("itemLimit"),
             "isSplit": c.get("isSplit")} for c in item.get("columns") or [] if isinstance(c, Mapping)]


def _plan_team_ids(item: Mapping[str, Any], _context: Mapping[str, Any]) -> list[str]:
    mappings = dig(item, "properties.teamBacklogMappings") or []
    return list(dict.fromkeys(m.get("teamId") for m in mappings if isinstance(m, Mapping) and m.get("teamId")))


def _fetch_feature_states(fc: FetchContext) -> list[Record]:
    """One Feature Management query per live project, one record per service."""
    query = {"featureIds": list(PROJECT_SERVICES), "featureStates": {}, "scopeValues": {}}
    planned = []
    for project in fc.parent_rows.get("projects", []):
        if project.get("state") not in LIVE_PROJECT_STATES:
            continue
        context = {"project_id": project.get("id"), "project_name": project.get("name")}
        if fc.only is None or fc.only(context):
            planned.append(context)

    def read(context: dict[str, Any]) -> list[Record]:
        body = fc.client.post(FEATURE_STATES_QUERY, {**query, "scopeValues": {"project": context["project_id"]}},
                              path_params={"projectId": context["project_id"]})
        states = (body or {}).get("featureStates") or {}
        return [({"featureId": feature_id, **(states.get(feature_id) or {})}, dict(context))
                for feature_id in PROJECT_SERVICES]

    return [record for records in fc.client.map(read, planned) for record in records]


def _service_on(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool | None:
    state = str(item.get("state") or "").lower()
    # "undefined" is the default, and every project service is on by default.
    return None if not state else state != "disabled"


TYPES = (
    ResourceType(
        name="boards",
        area=AREA,
        description="Kanban boards of every team (one per backlog level: Epics, Features, Stories/Backlog items) "
        "with their columns and WIP limits; one listing per team plus one request per board for its columns.",
        endpoint=BOARDS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="teams",
                path_params={"project": "project_id", "team": "id"},
                context={"team_id": "id", "team_name": "name", "project_id": "project_id",
                         "project_name": "project_name"},
            ),
        ),
        key=("team_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            ctx("team_id", description="The team owning the board (join to teams.id)."),
            ctx("team_name", description="Name of that team."),
            col("id", "VARCHAR", description="Board id (GUID)."),
            col("name", "VARCHAR", description="The backlog level, e.g. Stories."),
            col("is_valid", "BOOLEAN", description="True when the board's configuration is valid."),
            col("revision", "BIGINT", description="Revision of the board, raised by every change."),
            col("column_count", "BIGINT", lambda item, _c: len(item.get("columns") or []),
                "Number of columns on the board."),
            col("columns", "JSON", _columns, "List of {name, columnType incoming|inProgress|outgoing, itemLimit "
                "(0 = none), isSplit}."),
            col("url", "VARCHAR", description="REST API URL of the board."),
        ),
        required_scope="vso.work",
        enrich=_board_details,
        extra_endpoints=(BOARD,),
    ),
    ResourceType(
        name="delivery_plans",
        area=AREA,
        description="Delivery plans (timelines over several teams' backlogs) of every project: owner, who "
        "changed them last, and the teams they show (one request per plan for its properties).",
        endpoint=PLANS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "VARCHAR", description="Delivery plan id (GUID)."),
            col("name", "VARCHAR", description="Plan name."),
            col("type", "VARCHAR", description="Plan type: deliveryTimelineView."),
            col("description", "VARCHAR", description="Plan description."),
            col("owner", "VARCHAR", identity_name("createdByIdentity"), "Who created the plan."),
            col("created_by_id", "VARCHAR", "createdByIdentity.id", "Identity id of who created the plan."),
            col("created_date", "TIMESTAMP", description="When the plan was created (UTC)."),
            col("modified_by", "VARCHAR", identity_name("modifiedByIdentity"),
                "Who last changed the plan (unique name, else display name)."),
            col("modified_date", "TIMESTAMP", description="When the plan was last changed (UTC)."),
            col("last_accessed", "TIMESTAMP", description="When the plan was last opened (UTC)."),
            col("revision", "BIGINT", description="Revision of the plan, raised by every change."),
            col("user_permissions", "VARCHAR", description="The reading identity's permissions on the plan."),
            col("team_ids", "JSON", _plan_team_ids, "Ids of the teams whose backlogs the plan shows."),
            col("team_count", "BIGINT", lambda item, c: len(_plan_team_ids(item, c)),
                "Number of teams whose backlogs the plan shows."),
            col("properties", "JSON", description="teamBacklogMappings, criteria, markers, card settings."),
            col("url", "VARCHAR", description="REST API URL of the plan."),
        ),
        required_scope="vso.work",
        ignore_in_history=("lastAccessed",),
        enrich=_plan_details,
        extra_endpoints=(PLAN,),
    ),
    ResourceType(
        name="project_features",
        area=AREA,
        description="Which services are switched on in each project (Boards, Repos, Pipelines, Test Plans, "
        "Artifacts). Internal, undocumented endpoint: the web UI's Feature Management query (POST "
        "FeatureStatesQuery/host/project/{id}; the REST reference documents no way to read it, and no PAT scope "
        "for it, vso.project is assumed); may change without notice; switch off with RESMO_INTERNAL_APIS=off.",
        endpoint=FEATURE_STATES_QUERY,
        scope="project",
        fan_out=(PER_PROJECT,),
        fetch=_fetch_feature_states,
        key=("project_id", "feature_id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("feature_id", "VARCHAR", "featureId",
                "Feature Management id of the service, e.g. ms.vss-code.version-control."),
            col("service", "VARCHAR", lambda item, _c: PROJECT_SERVICES.get(str(item.get("featureId"))),
                "Boards, Repos, Pipelines, Test Plans or Artifacts."),
            col("state", "VARCHAR", description="Feature state: enabled, disabled or undefined (the default: on)."),
            col("is_enabled", "BOOLEAN", _service_on, "True when the service is on in this project."),
            col("overridden", "BOOLEAN",
                description="True when set explicitly for this project rather than inherited."),
        ),
        required_scope="vso.project",
        internal=True,
    ),
)
