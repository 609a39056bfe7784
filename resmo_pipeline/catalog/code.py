"""Source code: Git repositories, their branches and the branch policies protecting them."""

from __future__ import annotations

from resmo_pipeline.azure_devops import Endpoint, Paging
from resmo_pipeline.catalog.common import PER_PROJECT, identity_name
from resmo_pipeline.catalog.model import FanOut, FetchContext, Record, ResourceType, col, ctx

AREA = "code"

REPOSITORIES = Endpoint(
    host="dev.azure.com", path="_apis/git/repositories", api_version="7.1",
    params={"includeHidden": "true"}, scope="vso.code",
)
REFS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/git/repositories/{repositoryId}/refs", api_version="7.1",
    paging=Paging.HEADER_TOKEN, params={"filter": "heads/"}, page_size=1000, scope="vso.code",
)
POLICY_CONFIGURATIONS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/policy/configurations", api_version="7.1",
    paging=Paging.HEADER_TOKEN, scope="vso.code",
)
POLICY_TYPES = Endpoint(
    host="dev.azure.com", path="{project}/_apis/policy/types", api_version="7.1", scope="vso.code",
)


def _resolve_policy_types(fc: FetchContext, records: list[Record]) -> list[Record]:
    """Names each policy's type from `policy/types` (the same list in every project, so one call)."""
    if not records:
        return records
    names = {
        t.get("id"): t.get("displayName")
        for t in fc.client.list(POLICY_TYPES, path_params={"project": records[0][1]["project_id"]})
    }
    for item, context in records:
        policy_type = item.get("type") or {}
        context["type_name"] = names.get(policy_type.get("id")) or policy_type.get("displayName")
    return records


TYPES = (
    ResourceType(
        name="repositories",
        area=AREA,
        description="Git repositories of every project, with default branch, disabled and fork flags.",
        endpoint=REPOSITORIES,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "VARCHAR", description="Repository id (GUID)."),
            col("name", "VARCHAR", description="Repository name."),
            col("project_id", "VARCHAR", "project.id", "Project id (join to projects.id)."),
            col("project_name", "VARCHAR", "project.name", "Project name."),
            col("project_visibility", "VARCHAR", "project.visibility",
                "Visibility of the repository's project: private or public (readable anonymously)."),
            col("default_branch", "VARCHAR",
                description="Default branch, e.g. refs/heads/main; NULL for an empty repository."),
            col("is_disabled", "BOOLEAN",
                description="True when the repository is disabled (no one can read or push)."),
            col("is_fork", "BOOLEAN", description="True when the repository is a fork of another repository."),
            col("is_in_maintenance", "BOOLEAN", description="True while the repository is in maintenance (read-only)."),
            col("size", "BIGINT", description="Repository size in bytes."),
            col("remote_url", "VARCHAR", description="HTTPS clone URL."),
            col("web_url", "VARCHAR", description="URL of the repository in the web UI."),
            col("parent_repository_id", "VARCHAR", "parentRepository.id",
                "Id of the repository this one forks (NULL when not a fork)."),
        ),
        required_scope="vso.code",
        ignore_in_history=("size",),
        audit_actions=("Git.",),
    ),
    ResourceType(
        name="branches",
        area=AREA,
        description="Branches (refs/heads) of every enabled repository, with the default branch marked.",
        endpoint=REFS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="repositories",
                path_params={"project": "project_id", "repositoryId": "id"},
                context={"repository_id": "id", "repository_name": "name", "project_id": "project_id",
                         "project_name": "project_name", "default_branch": "default_branch"},
                where=lambda repo: not repo.get("is_disabled"),
            ),
        ),
        key=("repository_id", "name"),
        columns=(
            ctx("repository_id", description="Repository id (join to repositories.id)."),
            ctx("repository_name", description="Repository name."),
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("name", "VARCHAR", description="Full ref name, e.g. refs/heads/main."),
            col("object_id", "VARCHAR", description="Commit the branch points to."),
            col("creator", "VARCHAR", identity_name("creator"),
                "Who created the branch (unique name, else display name)."),
            col("is_locked", "BOOLEAN",
                description="True when the branch is locked (no pushes or deletion until unlocked)."),
            col("is_default_branch", "BOOLEAN", lambda item, c: item.get("name") == c.get("default_branch"),
                "True for the repository's default branch."),
        ),
        required_scope="vso.code",
        ignore_in_history=("objectId", "statuses"),
        audit_actions=("Git.",),
    ),
    ResourceType(
        name="policy_configurations",
        area=AREA,
        description="Branch and repository policies (minimum reviewers, build validation, ...) with their "
        "type name, whether they are enabled and blocking, their settings and scope.",
        endpoint=POLICY_CONFIGURATIONS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "BIGINT", description="Policy configuration id, unique within the project."),
            col("type_id", "VARCHAR", "type.id", "Policy type id (GUID of the policy kind, e.g. minimum reviewers)."),
            ctx("type_name", description="Policy type name, e.g. Minimum number of reviewers, Build."),
            col("is_enabled", "BOOLEAN", description="True when the policy is on."),
            col("is_blocking", "BOOLEAN",
                description="True when the policy must pass before completing; false means optional."),
            col("deleted", "BOOLEAN", "isDeleted", "True when the policy was deleted (listings normally omit those)."),
            col("is_enterprise_managed", "BOOLEAN",
                description="True when changing it needs the Manage Enterprise Policies permission."),
            col("revision", "BIGINT", description="Revision of the configuration, raised by every change."),
            col("settings", "JSON", description="The policy's settings as the API returns them (type-specific)."),
            col("scope", "JSON", "settings.scope",
                "List of {repositoryId (NULL = all), refName, matchKind Exact|Prefix|DefaultBranch}."),
            col("minimum_approver_count", "BIGINT", "settings.minimumApproverCount",
                "Minimum reviewers policy: approvals required (settings.minimumApproverCount)."),
            col("creator_vote_counts", "BOOLEAN", "settings.creatorVoteCounts",
                "Minimum reviewers policy: true when the author's own vote counts toward approval."),
            col("reset_on_source_push", "BOOLEAN", "settings.resetOnSourcePush",
                "Minimum reviewers policy: true when new pushes reset approvals."),
            col("build_definition_id", "BIGINT", "settings.buildDefinitionId",
                "Build validation policy: the pipeline that must pass (join to build_definitions.id)."),
            col("created_date", "TIMESTAMP", description="When the policy configuration was created (UTC)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the policy configuration (unique name, else display name)."),
        ),
        required_scope="vso.code",
        enrich=_resolve_policy_types,
        extra_endpoints=(POLICY_TYPES,),
        audit_actions=("Policy.",),
    ),
)
