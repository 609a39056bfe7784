"""Boards endpoints: team boards, delivery plans, and the Feature Management query of project services."""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import unquote

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.data.boards import PROJECT_FEATURES
from resmo_pipeline.simulator.routes_common import DEV, route, state_of, with_project
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response


def _team(request: SimRequest, project: dict[str, Any]) -> dict[str, Any] | None:
    key = unquote(request.path_params["team"]).lower()
    return next((t for t in state_of(request).teams.get(project["id"], [])
                 if key in (t["id"], t["name"].lower())), None)


def _team_not_found(request: SimRequest) -> SimResponse:
    name = unquote(request.path_params["team"])
    return error_response(404, f"The team with id {name} does not exist.",
                          "Microsoft.TeamFoundation.Core.WebApi.TeamNotFoundException, "
                          "Microsoft.TeamFoundation.Core.WebApi", "TeamNotFoundException")


def boards(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """The boards of a team (BoardReference: id, name, url; no paging)."""
    team = _team(request, project)
    if team is None:
        return _team_not_found(request)
    return paging.collection([{k: b[k] for k in ("id", "name", "url")}
                              for b in state_of(request).boards.get(team["id"], [])])


def get_board(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One board by id or name, with columns and rows."""
    team = _team(request, project)
    if team is None:
        return _team_not_found(request)
    key = unquote(request.path_params["id"]).lower()
    for item in state_of(request).boards.get(team["id"], []):
        if key in (item["id"], item["name"].lower()):
            return json_response(item)
    return error_response(404, f"TF400497: The board {key} does not exist.",
                          "Microsoft.TeamFoundation.Work.WebApi.BoardDoesNotExistException, "
                          "Microsoft.TeamFoundation.Work.WebApi", "BoardDoesNotExistException")


def plans(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Delivery plans of a project; the listing leaves out `properties` (the teams), as the service does."""
    return paging.collection([{k: v for k, v in p.items() if k != "properties"}
                              for p in state_of(request).delivery_plans.get(project["id"], [])])


def get_plan(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One delivery plan with its properties (team backlog mappings, criteria, markers)."""
    key = request.path_params["id"].lower()
    for item in state_of(request).delivery_plans.get(project["id"], []):
        if item["id"] == key:
            return json_response(item)
    return error_response(404, f"VS402707: The plan with id {key} does not exist.",
                          "Microsoft.TeamFoundation.Work.WebApi.Exceptions.ViewNotFoundException, "
                          "Microsoft.TeamFoundation.Work.WebApi", "ViewNotFoundException")


def _switched_off(state: Any, project_id: str, feature_id: str) -> bool:
    """Whether the simulator's service switches (simulator/switches.py, when present) turn this service off."""
    try:
        switches = importlib.import_module("resmo_pipeline.simulator.switches")
    except ImportError:
        return False
    check = getattr(switches, "service_enabled", None)
    if callable(check):
        try:
            return not check(state, project_id, feature_id)
        except Exception:  # another area's module must not break this answer
            return False
    return False


def feature_states_query(request: SimRequest) -> SimResponse:
    """`POST FeatureStatesQuery/host/project/{projectId}`: the state of each asked feature in that project."""
    state = state_of(request)
    scope_name, scope_value = request.path_params["scopeName"], request.path_params["scopeValue"]
    project = state.project(scope_value) if scope_name.lower() == "project" else None
    body = request.body if isinstance(request.body, dict) else {}
    asked = [f for f in body.get("featureIds") or list(PROJECT_FEATURES) if isinstance(f, str)]
    stored = state.project_features.get(project["id"], {}) if project else {}
    result: dict[str, Any] = {}
    for feature_id in asked:
        value = stored.get(feature_id, "enabled" if feature_id in PROJECT_FEATURES else "undefined")
        if project is not None and _switched_off(state, project["id"], feature_id):
            value = "disabled"
        result[feature_id] = {
            "featureId": feature_id, "state": value, "overridden": value == "disabled",
            "scope": {"settingScope": scope_name, "userScoped": request.path_params["userScope"].lower() == "me"},
            "reason": None,
        }
    return json_response({"featureIds": asked, "featureStates": result,
                          "scopeValues": body.get("scopeValues") or {scope_name: scope_value}})


BOARDS_LOCATION = ("work", "boards", "23ad19fc-3b8e-4877-8462-b3f92bc06b40", 1)
PLANS_LOCATION = ("work", "plans", "0b42cb47-cd73-4810-ac90-19c9ba147453", 1)
FEATURE_QUERY_LOCATION = ("FeatureManagement", "FeatureStatesQuery", "f29e997b-c2da-4d15-8380-765788a1a74c", 1)

ROUTES: list[Route] = [
    route("GET", DEV, "{project}/{team}/_apis/work/boards/{id}", with_project(get_board), "vso.work",
          location=BOARDS_LOCATION),
    route("GET", DEV, "{project}/{team}/_apis/work/boards", with_project(boards), "vso.work",
          location=BOARDS_LOCATION),
    route("GET", DEV, "{project}/_apis/work/plans/{id}", with_project(get_plan), "vso.work",
          location=PLANS_LOCATION),
    route("GET", DEV, "{project}/_apis/work/plans", with_project(plans), "vso.work", location=PLANS_LOCATION),
    route("POST", DEV, "_apis/FeatureManagement/FeatureStatesQuery/{userScope}/{scopeName}/{scopeValue}",
          feature_states_query, "vso.project", preview=True, location=FEATURE_QUERY_LOCATION),
]
