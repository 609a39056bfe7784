"""Pipelines: build and release definitions, project pipeline settings, environments, and who may use the
protected resources (pipeline permissions, approvals and checks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from resmo_pipeline.azure_devops import Endpoint, Paging
from resmo_pipeline.catalog.common import (
    PER_PROJECT,
    audited_kind,
    audited_resource_id,
    count_of,
    dig,
    identity_name,
    secret_variable_count,
)
from resmo_pipeline.catalog.model import AuditScope, Call, Column, FanOut, ResourceType, col, ctx

AREA = "pipelines"

BUILD_DEFINITIONS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/build/definitions", api_version="7.1",
    paging=Paging.HEADER_TOKEN, params={"includeAllProperties": "true", "includeLatestBuilds": "true"},
    scope="vso.build",
)
GENERAL_SETTINGS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/build/generalsettings", api_version="7.1", items_key=None,
    scope="vso.build",
)
PIPELINE_PERMISSIONS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/pipelines/pipelinePermissions/{resourceType}/{resourceId}",
    api_version="7.1-preview.1", items_key=None, scope="vso.build",
)
CHECK_CONFIGURATIONS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/pipelines/checks/configurations", api_version="7.1-preview.1",
    params={"$expand": "settings"}, scope="vso.build",
)
RELEASE_DEFINITIONS = Endpoint(
    host="vsrm.dev.azure.com", path="{project}/_apis/release/definitions", api_version="7.1",
    paging=Paging.HEADER_TOKEN, params={"$expand": "environments,artifacts,variables,triggers"}, scope="vso.release",
)
ENVIRONMENTS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/environments", api_version="7.1",
    paging=Paging.HEADER_TOKEN, scope="vso.environment_manage",
)


def _pull_request_forks(item: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The `forks` settings of every pull-request trigger whose fork builds are enabled."""
    forks = []
    for trigger in item.get("triggers") or []:
        fork = trigger.get("forks") if isinstance(trigger, Mapping) else None
        if trigger.get("triggerType") == "pullRequest" and isinstance(fork, Mapping) and fork.get("enabled"):
            forks.append(fork)
    return forks


def _any_fork(setting: str | None):
    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool:
        return any(setting is None or fork.get(setting) for fork in _pull_request_forks(item))

    return extract


@dataclass(frozen=True)
class ProtectedResource:
    """A kind of resource pipelines must be authorized to use, and where its rows come from."""

    resource_type: str  # as in the pipelinePermissions / checks URLs
    parent: str  # the catalog type listing these resources
    project_refs: str | None = None  # raw key listing every project a shared resource is in


PROTECTED_RESOURCES = (
    ProtectedResource("endpoint", "service_connections", "serviceEndpointProjectReferences"),
    ProtectedResource("variablegroup", "variable_groups", "variableGroupProjectReferences"),
    ProtectedResource("securefile", "secure_files"),
    ProtectedResource("queue", "agent_queues"),
    ProtectedResource("environment", "environments"),
    ProtectedResource("repository", "repositories"),
)


def _api_resource_id(resource: ProtectedResource, row: Mapping[str, Any]) -> str:
    # Repositories are addressed as "{projectId}.{repositoryId}" by these APIs.
    if resource.resource_type == "repository":
        return f"{row['project_id']}.{row['id']}"
    return str(row["id"])


def _projects_of(resource: ProtectedResource, row: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """(project id, name) pairs the resource is used in: every project a shared resource is shared with."""
    refs = (row.get("raw") or {}).get(resource.project_refs) if resource.project_refs else None
    pairs = [
        (dig(ref, "projectReference.id"), dig(ref, "projectReference.name"))
        for ref in refs or []
        if dig(ref, "projectReference.id")
    ]
    return list(dict.fromkeys(pairs)) or [(row.get("project_id"), row.get("project_name"))]


#: The row (and the request) of the protected resource an audit entry is about, in the entry's project.
_ONE_PROTECTED_RESOURCE = {"project_id": "projectId", "resource_type": audited_kind,
                           "resource_id_ref": audited_resource_id}


def _permission_calls(resource: ProtectedResource):
    def expand(row: Mapping[str, Any]) -> Iterable[Call]:
        for project_id, project_name in _projects_of(resource, row):
            yield Call(
                path_params={"project": str(project_id), "resourceType": resource.resource_type,
                             "resourceId": _api_resource_id(resource, row)},
                context={"project_id": project_id, "project_name": project_name,
                         "resource_type": resource.resource_type, "resource_id_ref": str(row["id"]),
                         "resource_name": row.get("name")},
            )

    return expand


def _check_calls(resource: ProtectedResource):
    def expand(row: Mapping[str, Any]) -> Iterable[Call]:
        yield Call(
            path_params={"project": str(row["project_id"])},
            params={"resourceType": resource.resource_type, "resourceId": _api_resource_id(resource, row)},
            context={"project_id": row["project_id"], "project_name": row.get("project_name"),
                     "resource_type": resource.resource_type, "resource_id_ref": str(row["id"]),
                     "resource_name": row.get("name")},
        )

    return expand


def _has_project(row: Mapping[str, Any]) -> bool:
    return row.get("project_id") is not None


GENERAL_SETTING_FLAGS = (
    ("enforce_job_auth_scope", "Non-release pipelines get a project-scoped (not collection) job token."),
    ("enforce_job_auth_scope_for_releases", "Release pipelines get a project-scoped job token."),
    ("enforce_referenced_repo_scoped_token", "Job tokens only reach repositories the YAML references."),
    ("enforce_settable_var", "Only variables marked settable at queue time can be set."),
    ("audit_enforce_settable_var", ""),
    ("publish_pipeline_metadata", ""),
    ("status_badges_are_private", ""),
    ("disable_classic_pipeline_creation", ""),
    ("disable_classic_build_pipeline_creation", ""),
    ("disable_classic_release_pipeline_creation", ""),
    ("fork_protection_enabled", "Pull requests from forks are limited."),
    ("builds_enabled_for_forks", ""),
    ("enforce_job_auth_scope_for_forks", ""),
    ("enforce_no_access_to_secrets_from_forks", ""),
    ("is_comment_required_for_pull_request", "A team member must comment before fork PRs build."),
    ("require_comments_for_non_team_members_only", ""),
    ("require_comments_for_non_team_member_and_non_contributors", ""),
    ("enable_shell_tasks_args_sanitizing", ""),
    ("enable_shell_tasks_args_sanitizing_audit", ""),
)

_PERMISSION_AND_CHECK_CONTEXT: tuple[Column, ...] = (
    ctx("project_id"),
    ctx("project_name"),
    ctx("resource_type", description="endpoint, variablegroup, securefile, queue, environment or repository."),
    ctx("resource_id_ref", description="Id of the protected resource (join to its table's id)."),
    ctx("resource_name"),
)

TYPES = (
    ResourceType(
        name="build_definitions",
        area=AREA,
        description="Build pipelines (YAML and classic) with repository, job authorization scope, agent "
        "queue/pool, fork build settings of pull-request triggers, variables (secret values are never "
        "returned) and triggers.",
        endpoint=BUILD_DEFINITIONS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id"),
            ctx("project_name"),
            col("id", "BIGINT"),
            col("name", "VARCHAR"),
            col("path", "VARCHAR", description="Folder."),
            col("queue_status", "VARCHAR", description="enabled, paused or disabled."),
            col("process_type", "BIGINT", "process.type", "1 = classic (designer), 2 = YAML."),
            col("yaml_filename", "VARCHAR", "process.yamlFilename"),
            col("repository_type", "VARCHAR", "repository.type", "TfsGit, GitHub, ..."),
            col("repository_id", "VARCHAR", "repository.id"),
            col("repository_name", "VARCHAR", "repository.name"),
            col("repository_url", "VARCHAR", "repository.url"),
            col("job_authorization_scope", "VARCHAR", description="projectCollection or project."),
            col("queue_id", "BIGINT", "queue.id"),
            col("queue_name", "VARCHAR", "queue.name"),
            col("pool_id", "BIGINT", "queue.pool.id"),
            col("pool_name", "VARCHAR", "queue.pool.name"),
            col("pool_is_hosted", "BOOLEAN", "queue.pool.isHosted"),
            col("fork_builds_enabled", "BOOLEAN", _any_fork(None),
                "A pull-request trigger builds pull requests from forks."),
            col("fork_allow_secrets", "BOOLEAN", _any_fork("allowSecrets"),
                "Fork pull-request builds get the pipeline's secrets."),
            col("fork_allow_full_access_token", "BOOLEAN", _any_fork("allowFullAccessToken"),
                "Fork pull-request builds get a full-access job token."),
            col("variables", "JSON", description="{name: {value, isSecret, allowOverride}}; secrets are null."),
            col("secret_variable_count", "BIGINT", lambda item, _c: secret_variable_count(item.get("variables"))),
            col("variable_groups", "JSON"),
            col("triggers", "JSON"),
            col("created_date", "TIMESTAMP"),
            col("authored_by", "VARCHAR", identity_name("authoredBy")),
            col("revision", "BIGINT"),
        ),
        required_scope="vso.build",
        ignore_in_history=("latestBuild", "latestCompletedBuild", "_links"),
        audit_actions=("Pipelines.Pipeline", "Build."),
    ),
    ResourceType(
        name="pipeline_settings",
        area=AREA,
        description="Each project's pipeline general settings: job token scopes, settable variables, classic "
        "pipeline creation, fork protection and shell-task argument validation.",
        endpoint=GENERAL_SETTINGS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id",),
        columns=(
            ctx("project_id"),
            ctx("project_name"),
            *(col(name, "BOOLEAN", description=text) for name, text in GENERAL_SETTING_FLAGS),
            col("disable_implied_yaml_ci_trigger", "BOOLEAN", "disableImpliedYAMLCiTrigger"),
        ),
        required_scope="vso.build",
        audit_actions=("Pipelines.ProjectSettings", "Pipelines.OrganizationSettings"),
    ),
    ResourceType(
        name="pipeline_permissions",
        area=AREA,
        description="Which pipelines may use each protected resource (service connection, variable group, "
        "secure file, agent queue, environment, repository) per project; all_pipelines_authorized is the "
        "'Grant access permission to all pipelines' switch.",
        endpoint=PIPELINE_PERMISSIONS,
        scope="parent",
        fan_out=tuple(
            FanOut(parent=r.parent, expand=_permission_calls(r), where=_has_project) for r in PROTECTED_RESOURCES
        ),
        key=("project_id", "resource_type", "resource_id_ref"),
        columns=(
            *_PERMISSION_AND_CHECK_CONTEXT,
            col("all_pipelines_authorized", "BOOLEAN", lambda item, _c: bool(dig(item, "allPipelines.authorized")),
                "Every pipeline of the project may use the resource."),
            col("all_pipelines_authorized_by", "VARCHAR", identity_name("allPipelines.authorizedBy")),
            col("all_pipelines_authorized_on", "TIMESTAMP", "allPipelines.authorizedOn"),
            col("authorized_pipeline_ids", "JSON",
                lambda item, _c: [p.get("id") for p in item.get("pipelines") or [] if p.get("authorized")],
                "Ids of the pipelines individually authorized."),
            col("authorized_pipeline_count", "BIGINT", count_of("pipelines")),
        ),
        required_scope="vso.build",
        audit_actions=("Pipelines.ResourceAuthorized", "Pipelines.ResourceUnauthorized", "Pipelines.PipelinePermission",
                       "Pipelines.EnvironmentModified", "Pipelines.AgentQueueModified", "Git.RepositoryModified",
                       "Library."),
        # One protected resource's permission in the project the entry names: one request, not thousands.
        audit_scope=AuditScope(rows=_ONE_PROTECTED_RESOURCE, calls=_ONE_PROTECTED_RESOURCE),
    ),
    ResourceType(
        name="check_configurations",
        area=AREA,
        description="Approvals and checks (Approval, Branch control, Required template, ...) on every "
        "protected resource, with their settings such as approvers and whether requesters may approve.",
        endpoint=CHECK_CONFIGURATIONS,
        scope="parent",
        fan_out=tuple(
            FanOut(parent=r.parent, expand=_check_calls(r), where=_has_project) for r in PROTECTED_RESOURCES
        ),
        key=("project_id", "id"),
        columns=(
            *_PERMISSION_AND_CHECK_CONTEXT,
            col("id", "BIGINT"),
            col("type_id", "VARCHAR", "type.id", "Approval = 8c6f20a7-a545-4486-9777-f762fafe0d4d."),
            col("type_name", "VARCHAR", "type.name"),
            col("settings", "JSON"),
            col("approvers", "JSON", "settings.approvers"),
            col("min_required_approvers", "BIGINT", "settings.minRequiredApprovers"),
            col("requester_cannot_be_approver", "BOOLEAN", "settings.requesterCannotBeApprover"),
            col("timeout", "BIGINT", description="Minutes."),
            col("is_disabled", "BOOLEAN"),
            col("created_on", "TIMESTAMP"),
            col("created_by", "VARCHAR", identity_name("createdBy")),
            col("modified_on", "TIMESTAMP"),
            col("modified_by", "VARCHAR", identity_name("modifiedBy")),
        ),
        required_scope="vso.build",
        audit_actions=("CheckConfiguration.", "Checks.", "Approval."),
    ),
    ResourceType(
        name="release_definitions",
        area=AREA,
        description="Classic release pipelines with their stages (environments), pre/post-deployment "
        "approvals, variables (secret values are never returned) and artifacts.",
        endpoint=RELEASE_DEFINITIONS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id"),
            ctx("project_name"),
            col("id", "BIGINT"),
            col("name", "VARCHAR"),
            col("path", "VARCHAR"),
            col("source", "VARCHAR"),
            col("revision", "BIGINT"),
            col("deleted", "BOOLEAN", "isDeleted", "The definition was deleted (listings normally omit those)."),
            col("release_name_format", "VARCHAR"),
            col("environments", "JSON", description="Stages with preDeployApprovals, postDeployApprovals, "
                "gates, deployPhases, variables."),
            col("environment_names", "JSON",
                lambda item, _c: [e.get("name") for e in item.get("environments") or []]),
            col("variables", "JSON"),
            col("secret_variable_count", "BIGINT", lambda item, _c: secret_variable_count(item.get("variables"))),
            col("variable_groups", "JSON"),
            col("artifacts", "JSON"),
            col("triggers", "JSON"),
            col("created_on", "TIMESTAMP"),
            col("created_by", "VARCHAR", identity_name("createdBy")),
            col("modified_on", "TIMESTAMP"),
            col("modified_by", "VARCHAR", identity_name("modifiedBy")),
        ),
        required_scope="vso.release",
        ignore_in_history=("lastRelease", "_links"),
        audit_actions=("Release.",),
    ),
    ResourceType(
        name="environments",
        area=AREA,
        description="Deployment environments of YAML pipelines (approvals and checks on them are in "
        "check_configurations).",
        endpoint=ENVIRONMENTS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id"),
            ctx("project_name"),
            col("id", "BIGINT"),
            col("name", "VARCHAR"),
            col("description", "VARCHAR"),
            col("created_on", "TIMESTAMP"),
            col("created_by", "VARCHAR", identity_name("createdBy")),
            col("last_modified_on", "TIMESTAMP"),
            col("resources", "JSON"),
        ),
        required_scope="vso.environment_manage",
        audit_actions=("Environment.", "Pipelines.Environment"),
    ),
)
