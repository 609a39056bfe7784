"""The organization itself, its projects, teams and team members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resmo_pipeline.azure_devops import AzureDevOpsError, Endpoint, Paging
from resmo_pipeline.catalog.model import FanOut, FetchContext, Record, ResourceType, col, ctx

AREA = "core"

CONNECTION_DATA = Endpoint(
    host="dev.azure.com", path="_apis/connectionData", api_version="7.1-preview.1", items_key=None,
    scope="vso.profile",
)
ACCOUNTS = Endpoint(
    host="app.vssps.visualstudio.com", path="_apis/accounts", api_version="7.1", scope="vso.profile",
)
PROJECTS = Endpoint(
    host="dev.azure.com", path="_apis/projects", api_version="7.1", paging=Paging.HEADER_TOKEN,
    params={"stateFilter": "all"}, page_size=100, scope="vso.project",
)
PROJECT_PROPERTIES = Endpoint(
    host="dev.azure.com", path="_apis/projects/{projectId}/properties", api_version="7.1-preview.1",
    scope="vso.project",
)
TEAMS = Endpoint(
    host="dev.azure.com", path="_apis/teams", api_version="7.1-preview.3", paging=Paging.TOP_SKIP,
    params={"$expandIdentity": "true"}, page_size=100, scope="vso.project",
)
TEAM_MEMBERS = Endpoint(
    host="dev.azure.com", path="_apis/projects/{project}/teams/{team}/members", api_version="7.1",
    paging=Paging.TOP_SKIP, page_size=100, scope="vso.project",
)


def _fetch_organization(fc: FetchContext) -> list[Record]:
    """connectionData names the organization and the caller; the accounts API (which needs a token valid
    for all organizations) adds the owner when it answers."""
    client = fc.client
    data = client.get(CONNECTION_DATA)
    organization = client.organization.lower()
    context: dict[str, Any] = {"name": organization, "url": f"https://dev.azure.com/{organization}"}
    member_id = (data.get("authenticatedUser") or {}).get("id")
    try:
        accounts = client.list(ACCOUNTS, params={"memberId": member_id}) if member_id else []
    except AzureDevOpsError as error:
        fc.warnings.append(f"organization owner unknown: the accounts API refused ({error.status})")
        accounts = []
    for account in accounts:
        if str(account.get("accountName", "")).lower() == organization:
            context.update(
                owner=account.get("accountOwner"),
                account_status=account.get("accountStatus"),
                name=account.get("accountName") or organization,
            )
    return [(data, context)]


def _source_control(properties: Mapping[str, str]) -> str | None:
    flags = properties.get("System.SourceControlCapabilityFlags")
    return {"1": "Tfvc", "2": "Git", "3": "Git+Tfvc"}.get(str(flags)) if flags is not None else None


def _enrich_projects(fc: FetchContext, records: list[Record]) -> list[Record]:
    """Each project's properties name its process template and source control (one call per project)."""

    def properties(record: Record) -> dict[str, str]:
        values = fc.client.list(PROJECT_PROPERTIES, path_params={"projectId": record[0]["id"]})
        return {p.get("name"): p.get("value") for p in values}

    for (_item, context), props in zip(records, fc.client.map(properties, records), strict=True):
        context.update(
            process_template=props.get("System.Process Template"),
            process_template_id=props.get("System.CurrentProcessTemplateId"),
            source_control_type=_source_control(props),
        )
    return records


TYPES = (
    ResourceType(
        name="organizations",
        area=AREA,
        description="The Azure DevOps organization itself: its id, URL, the identity the pipeline reads as, "
        "and (when the accounts API answers, which needs a token valid for all organizations) its owner.",
        endpoint=CONNECTION_DATA,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "VARCHAR", "instanceId", "Organization (collection) id."),
            ctx("name", description="Organization name."),
            ctx("url", description="Organization URL."),
            ctx("owner", description="Owner's identity id (accounts API; NULL when not readable)."),
            ctx("account_status", description="enabled, disabled, deleted or moved (accounts API)."),
            col("authenticated_user_id", "VARCHAR", "authenticatedUser.id",
                "Identity id of the user or principal the pipeline reads as."),
            col("authenticated_user_name", "VARCHAR", "authenticatedUser.providerDisplayName",
                "Display name of the identity the pipeline reads as (authenticatedUser.providerDisplayName)."),
            col("deployment_type", "VARCHAR", "deploymentType",
                "hosted for Azure DevOps Services, onPremises for Azure DevOps Server."),
        ),
        required_scope="vso.profile",
        fetch=_fetch_organization,
        extra_endpoints=(ACCOUNTS,),
        ignore_in_history=("lastUserAccess", "webApplicationRelativeDirectory"),
        audit_actions=("Organization.", "OrganizationPolicy."),
    ),
    ResourceType(
        name="projects",
        area=AREA,
        description="Projects with their visibility (public projects are readable anonymously), state, "
        "process template and source control.",
        endpoint=PROJECTS,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "VARCHAR", description="Project id (GUID)."),
            col("name", "VARCHAR", description="Project name."),
            col("description", "VARCHAR", description="Project description as its administrators wrote it."),
            col("state", "VARCHAR", description="Project state: wellFormed, createPending, deleting, new, ..."),
            col("visibility", "VARCHAR", description="private, or public (readable anonymously)."),
            col("revision", "BIGINT", description="Project revision, raised by every change to the project."),
            col("last_update_time", "TIMESTAMP", description="When the project was last changed (UTC)."),
            col("url", "VARCHAR", description="REST API URL of the project."),
            ctx("process_template", description="Process template name (Agile, Scrum, ...)."),
            ctx("process_template_id",
                description="Id of the project's current process template (System.CurrentProcessTemplateId)."),
            ctx("source_control_type", description="Git, Tfvc or Git+Tfvc."),
        ),
        required_scope="vso.project",
        enrich=_enrich_projects,
        extra_endpoints=(PROJECT_PROPERTIES,),
        audit_actions=("Project.",),
    ),
    ResourceType(
        name="teams",
        area=AREA,
        description="Teams of every project, read in one listing for the organization (each team is also a "
        "group; its members are in team_members).",
        endpoint=TEAMS,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "VARCHAR", description="Team id (GUID; also the team group's identity id)."),
            col("name", "VARCHAR", description="Team name."),
            col("description", "VARCHAR", description="Team description."),
            col("project_id", "VARCHAR", description="Project id (join to projects.id)."),
            col("project_name", "VARCHAR", description="Project name."),
            col("descriptor", "VARCHAR", "identity.subjectDescriptor", "The team's group descriptor (join to groups)."),
            col("identity_url", "VARCHAR", description="Identities API URL of the team's group identity."),
        ),
        required_scope="vso.project",
        audit_actions=("Group.", "Project."),
    ),
    ResourceType(
        name="team_members",
        area=AREA,
        description="Members of each team, and whether they administer the team.",
        endpoint=TEAM_MEMBERS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="teams",
                path_params={"project": "project_id", "team": "id"},
                context={"team_id": "id", "team_name": "name", "project_id": "project_id",
                         "project_name": "project_name"},
            ),
        ),
        key=("team_id", "identity_id"),
        columns=(
            ctx("team_id", description="Team id (join to teams.id)."),
            ctx("team_name", description="Team name."),
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("identity_id", "VARCHAR", "identity.id", "The member's identity id."),
            col("display_name", "VARCHAR", "identity.displayName", "The member's display name."),
            col("unique_name", "VARCHAR", "identity.uniqueName",
                "The member's sign-in name (identity.uniqueName)."),
            col("descriptor", "VARCHAR", "identity.descriptor",
                "The member's identity descriptor (identity.descriptor)."),
            col("is_team_admin", "BOOLEAN", description="True when the member administers the team."),
        ),
        required_scope="vso.project",
        audit_actions=("Group.",),
    ),
)
