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
            col("id", "VARCHAR"),
            col("name", "VARCHAR"),
            col("project_id", "VARCHAR", "project.id"),
            col("project_name", "VARCHAR", "project.name"),
            col("project_visibility", "VARCHAR", "project.visibility"),
            col("default_branch", "VARCHAR", description="e.g. refs/heads/main; NULL for an empty repository."),
            col("is_disabled", "BOOLEAN"),
            col("is_fork", "BOOLEAN"),
            col("is_in_maintenance", "BOOLEAN"),
            col("size", "BIGINT", description="Bytes."),
            col("remote_url", "VARCHAR"),
            col("web_url", "VARCHAR"),
            col("parent_repository_id", "VARCHAR", "parentRepository.id", "The repository this one forks."),
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
            ctx("repository_id"),
            ctx("repository_name"),
            ctx("project_id"),
            ctx("project_name"),
            col("name", "VARCHAR", description="Full ref name, e.g. refs/heads/main."),
            col("object_id", "VARCHAR", description="Commit the branch points to."),
            col("creator", "VARCHAR", identity_name("creator")),
            col("is_locked", "BOOLEAN"),
            col("is_default_branch", "BOOLEAN", lambda item, c: item.get("name") == c.get("default_branch")),
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
            ctx("project_id"),
            ctx("project_name"),
            col("id", "BIGINT"),
            col("type_id", "VARCHAR", "type.id"),
            ctx("type_name", description="e.g. Minimum number of reviewers, Build (resolved via policy/types)."),
            col("is_enabled", "BOOLEAN"),
            col("is_blocking", "BOOLEAN"),
            col("deleted", "BOOLEAN", "isDeleted", "The policy was deleted (listings normally omit those)."),
            col("is_enterprise_managed", "BOOLEAN"),
            col("revision", "BIGINT"),
            col("settings", "JSON"),
            col("scope", "JSON", "settings.scope",
                "List of {repositoryId (NULL = all), refName, matchKind Exact|Prefix|DefaultBranch}."),
            col("minimum_approver_count", "BIGINT", "settings.minimumApproverCount"),
            col("creator_vote_counts", "BOOLEAN", "settings.creatorVoteCounts"),
            col("reset_on_source_push", "BOOLEAN", "settings.resetOnSourcePush"),
            col("build_definition_id", "BIGINT", "settings.buildDefinitionId"),
            col("created_date", "TIMESTAMP"),
            col("created_by", "VARCHAR", identity_name("createdBy")),
        ),
        required_scope="vso.code",
        enrich=_resolve_policy_types,
        extra_endpoints=(POLICY_TYPES,),
        audit_actions=("Policy.",),
    ),
)
