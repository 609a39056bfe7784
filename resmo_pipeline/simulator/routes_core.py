"""Core endpoints: who am I (profile, accounts, connection data), projects, properties, teams and members."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.data import AGILE_TEMPLATE, BASIC_TEMPLATE, SCRUM_TEMPLATE, iso
from resmo_pipeline.simulator.routes_common import (
    APP,
    DEV,
    name_matches,
    project_ref,
    public,
    route,
    state_of,
    truthy,
    with_project,
)
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response


def profile_me(request: SimRequest) -> SimResponse:
    """The caller's profile (app.vssps.visualstudio.com)."""
    state = state_of(request)
    identity = request.identity
    subject = state.subject_by_identity_id(identity.get("id", "")) or {}
    return json_response({
        "displayName": identity.get("displayName"),
        "publicAlias": identity.get("id"),
        "emailAddress": subject.get("mailAddress") or identity.get("uniqueName"),
        "coreRevision": 1647,
        "timeStamp": iso(state.now).replace("Z", "+00:00"),
        "id": identity.get("id"),
        "revision": 1647,
    })


def accounts(request: SimRequest) -> SimResponse:
    """The organizations a member (or owner) belongs to; one of memberId/ownerId is required."""
    state = state_of(request)
    member_id = request.param("memberId")
    owner_id = request.param("ownerId")
    if not member_id and not owner_id:
        return error_response(
            400, "Necessary parameters ownerId or memberId were not provided in the request.",
            "Microsoft.VisualStudio.Services.Account.AccountException, Microsoft.VisualStudio.Services.WebApi",
            "AccountException", event_id=4236,
        )
    subject = state.subject_by_identity_id(member_id or "") if member_id else None
    is_member = subject is not None and subject["subjectKind"] == "user"
    is_owner = owner_id == state.owner["id"]
    if not (is_member or is_owner):
        return paging.collection([])
    return paging.collection([{
        "accountId": state.org_id,
        "accountUri": f"https://vssps.dev.azure.com/{state.organization}/",
        "accountName": state.organization,
        "accountOwner": state.owner["id"],
        "accountStatus": "enabled",
        "accountType": "personal",
        "organizationName": None,
        "createdBy": state.owner["id"],
        "createdDate": state.projects[0]["_created"] if state.projects else iso(state.now),
        "lastUpdatedBy": state.owner["id"],
        "lastUpdatedDate": iso(state.now),
        "hasMoved": False,
        "newCollectionId": None,
        "statusReason": None,
        "properties": {},
    }])


def connection_data(request: SimRequest) -> SimResponse:
    """Who the caller is in this organization, and the organization's instance id."""
    state = state_of(request)
    identity = request.identity
    subject = state.subject_by_identity_id(identity.get("id", ""))
    user = {
        "id": identity.get("id"),
        "descriptor": subject["_legacy"] if subject else identity.get("descriptor"),
        "subjectDescriptor": identity.get("descriptor"),
        "providerDisplayName": identity.get("displayName"),
        "isActive": True,
        "properties": {"Account": {"$type": "System.String", "$value": identity.get("uniqueName")}},
        "resourceVersion": 2,
        "metaTypeId": 0,
    }
    return json_response({
        "authenticatedUser": user,
        "authorizedUser": user,
        "instanceId": state.org_id,
        "deploymentId": state.org_id,
        "deploymentType": "hosted",
        "locationServiceData": {
            "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
            "defaultAccessMappingMoniker": "PublicAccessMapping",
            "lastChangeId": 1,
            "lastChangeId64": 1,
        },
    })


def list_projects(request: SimRequest) -> SimResponse:
    """Projects: `$top` (default 100) with an integer continuation token in the header."""
    state = state_of(request)
    state_filter = (request.param("stateFilter") or "wellFormed").lower()
    projects = paging.view(state, lambda: [p for p in state.projects if state_filter in ("all", p["state"].lower())],
                           "projects", state_filter)
    return paging.count_token(request, projects, render=project_ref, default_top=100)


def get_project(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One project with its default team and (includeCapabilities=true) process and source control."""
    state = state_of(request)
    body = project_ref(project)
    team = state.teams[project["id"]][0]
    body["_links"] = {
        "self": {"href": project["url"]},
        "collection": {"href": f"{state.base}/_apis/projectCollections/{state.org_id}"},
        "web": {"href": f"{state.base}/{project['name'].replace(' ', '%20')}"},
    }
    body["defaultTeam"] = {"id": team["id"], "name": team["name"], "url": team["url"]}
    if truthy(request.param("includeCapabilities")):
        body["capabilities"] = {
            "versioncontrol": {"sourceControlType": "Git", "gitEnabled": "true", "tfvcEnabled": "false"},
            "processTemplate": {"templateName": project["_template"][0], "templateTypeId": project["_template"][1]},
        }
    return json_response(body)


def project_properties(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Project properties, filtered by `keys` (comma list with `*` wildcards)."""
    keys = [k.strip() for k in (request.param("keys") or "").split(",") if k.strip()]
    values = [p for p in state_of(request).project_properties[project["id"]]
              if not keys or any(name_matches(p["name"], k) for k in keys)]
    return paging.collection(values)


def _team(request: SimRequest, team: dict[str, Any]) -> dict[str, Any]:
    body = public(team)
    if truthy(request.param("$expandIdentity")):
        subject = state_of(request).subjects[team["_descriptor"]]
        body["identity"] = {"id": team["id"], "descriptor": subject["_legacy"],
                            "subjectDescriptor": subject["descriptor"], "providerDisplayName":
                            subject["principalName"], "isActive": True, "isContainer": True}
    return body


def project_teams(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Teams of a project ($top/$skip, default 100)."""
    return paging.top_skip(request, state_of(request).teams[project["id"]],
                           render=lambda t: _team(request, t), default_top=100)


def all_teams(request: SimRequest) -> SimResponse:
    """Every team of the organization ($top/$skip, default 100)."""
    state = state_of(request)
    teams = paging.view(state, lambda: [t for p in state.projects for t in state.teams[p["id"]]], "teams")
    return paging.top_skip(request, teams, render=lambda t: _team(request, t), default_top=100)


def get_team(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """One team by id or name."""
    key = request.path_params["teamId"].lower()
    for team in state_of(request).teams[project["id"]]:
        if key in (team["id"], team["name"].lower()):
            return json_response(_team(request, team))
    return _team_not_found(key)


def team_members(request: SimRequest, project: dict[str, Any]) -> SimResponse:
    """Members of a team with isTeamAdmin ($top/$skip, default 100)."""
    state = state_of(request)
    key = request.path_params["teamId"].lower()
    team = next((t for t in state.teams[project["id"]] if key in (t["id"], t["name"].lower())), None)
    if team is None:
        return _team_not_found(key)
    return paging.top_skip(request, state.team_members[team["id"]], default_top=100)


def _team_not_found(key: str) -> SimResponse:
    return error_response(
        404, f"The team with id {key} does not exist.",
        "Microsoft.TeamFoundation.Core.WebApi.TeamNotFoundException, Microsoft.TeamFoundation.Core.WebApi",
        "TeamNotFoundException",
    )


def processes(request: SimRequest) -> SimResponse:
    """Process templates (Agile, Scrum, Basic)."""
    state = state_of(request)
    values = [{
        "id": template_id, "description": f"{name} process", "isDefault": name == "Agile", "type": "system",
        "url": f"{state.base}/_apis/process/processes/{template_id}", "name": name,
    } for name, template_id in (AGILE_TEMPLATE, SCRUM_TEMPLATE, BASIC_TEMPLATE)]
    return paging.collection(values)


PROJECTS_LOCATION = ("core", "projects", "603fe2ac-9723-48b9-88ad-09305aa6c6e1", 4)
TEAMS_LOCATION = ("core", "teams", "d30a3dd1-f8ba-442a-b86a-bd0c0c383e59", 3)
MEMBERS_LOCATION = ("core", "members", "294c494c-2600-4d7e-b76c-3dd50c3c95be", 2)

ROUTES: list[Route] = [
    route("GET", APP, "_apis/profile/profiles/me", profile_me, "vso.profile"),
    route("GET", APP, "_apis/accounts", accounts, "vso.profile"),
    route("GET", DEV, "_apis/connectionData", connection_data, "", preview=True),
    route("GET", DEV, "_apis/projects", list_projects, "vso.project", location=PROJECTS_LOCATION),
    route("GET", DEV, "_apis/projects/{projectId}", with_project(get_project, "projectId"), "vso.project",
          location=PROJECTS_LOCATION),
    route("GET", DEV, "_apis/projects/{projectId}/properties", with_project(project_properties, "projectId"),
          "vso.project", preview=True),
    route("GET", DEV, "_apis/projects/{projectId}/teams", with_project(project_teams, "projectId"),
          "vso.project", location=TEAMS_LOCATION),
    route("GET", DEV, "_apis/projects/{projectId}/teams/{teamId}", with_project(get_team, "projectId"),
          "vso.project", location=TEAMS_LOCATION),
    route("GET", DEV, "_apis/teams", all_teams, "vso.project", preview=True,
          location=("core", "teams", "7a4d9ee9-3433-4347-b47a-7a80f1cf307e", 3)),
    route("GET", DEV, "_apis/projects/{projectId}/teams/{teamId}/members",
          with_project(team_members, "projectId"), "vso.project", location=MEMBERS_LOCATION),
    route("GET", DEV, "_apis/process/processes", processes, "vso.project"),
]
