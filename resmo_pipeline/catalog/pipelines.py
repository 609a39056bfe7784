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
    ("enforce_job_auth_scope", "True when non-release pipelines get a project-scoped (not collection) job token."),
    ("enforce_job_auth_scope_for_releases", "True when release pipelines get a project-scoped job token."),
    ("enforce_referenced_repo_scoped_token", "True when job tokens only reach repositories the YAML references."),
    ("enforce_settable_var", "True when only variables marked settable at queue time can be set."),
    ("audit_enforce_settable_var", "True when queue-time variables not marked settable are logged (audit mode)."),
    ("publish_pipeline_metadata", "True when Publish metadata from pipelines (artifact evaluation) is on."),
    ("status_badges_are_private", "True when status badges are not readable anonymously."),
    ("disable_classic_pipeline_creation", "True when new classic build and release pipelines cannot be created."),
    ("disable_classic_build_pipeline_creation", "True when new classic build pipelines cannot be created."),
    ("disable_classic_release_pipeline_creation", "True when new classic release pipelines cannot be created."),
    ("fork_protection_enabled", "True when building pull requests from forked GitHub repositories is limited."),
    ("builds_enabled_for_forks", "True when pull requests from forked GitHub repositories are built."),
    ("enforce_job_auth_scope_for_forks", "True when fork pull-request builds get a project-scoped job token."),
    ("enforce_no_access_to_secrets_from_forks", "True when fork pull-request builds cannot read secrets."),
    ("is_comment_required_for_pull_request", "True when a team member must comment before fork PRs build."),
    ("require_comments_for_non_team_members_only", "True when that comment is needed only for non-team members' PRs."),
    ("require_comments_for_non_team_member_and_non_contributors",
     "True when that comment is needed for PRs by non-team members and non-contributors."),
    ("enable_shell_tasks_args_sanitizing", "True when shell task arguments are validated against injection."),
    ("enable_shell_tasks_args_sanitizing_audit", "True when unsafe shell task arguments are logged (audit mode)."),
)

_PERMISSION_AND_CHECK_CONTEXT: tuple[Column, ...] = (
    ctx("project_id", description="Project id (join to projects.id)."),
    ctx("project_name", description="Project name."),
    ctx("resource_type", description="endpoint, variablegroup, securefile, queue, environment or repository."),
    ctx("resource_id_ref", description="Id of the protected resource (join to its table's id)."),
    ctx("resource_name", description="Name of the protected resource."),
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
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "BIGINT", description="Pipeline (build definition) id, unique within the project."),
            col("name", "VARCHAR", description="Pipeline name."),
            col("path", "VARCHAR", description="Folder of the pipeline, e.g. \\Infra."),
            col("queue_status", "VARCHAR", description="Whether runs are queued: enabled, paused or disabled."),
            col("process_type", "BIGINT", "process.type", "1 = classic (designer), 2 = YAML."),
            col("yaml_filename", "VARCHAR", "process.yamlFilename",
                "YAML pipelines: the file in the repository, e.g. azure-pipelines.yml."),
            col("repository_type", "VARCHAR", "repository.type",
                "Where the code lives: TfsGit (Azure Repos), GitHub, ..."),
            col("repository_id", "VARCHAR", "repository.id",
                "Repository the pipeline builds (join to repositories.id for Azure Repos)."),
            col("repository_name", "VARCHAR", "repository.name", "Name of that repository."),
            col("repository_url", "VARCHAR", "repository.url", "Clone URL of that repository."),
            col("job_authorization_scope", "VARCHAR",
                description="Reach of the job access token: projectCollection (whole organization) or project."),
            col("queue_id", "BIGINT", "queue.id", "Default agent queue (join to agent_queues.id)."),
            col("queue_name", "VARCHAR", "queue.name", "Name of that agent queue."),
            col("pool_id", "BIGINT", "queue.pool.id", "Agent pool behind that queue (join to agent_pools.id)."),
            col("pool_name", "VARCHAR", "queue.pool.name", "Name of that agent pool."),
            col("pool_is_hosted", "BOOLEAN", "queue.pool.isHosted", "True when that pool is Microsoft-hosted."),
            col("fork_builds_enabled", "BOOLEAN", _any_fork(None),
                "True when a pull-request trigger builds pull requests from forks."),
            col("fork_allow_secrets", "BOOLEAN", _any_fork("allowSecrets"),
                "True when fork pull-request builds get the pipeline's secrets."),
            col("fork_allow_full_access_token", "BOOLEAN", _any_fork("allowFullAccessToken"),
                "True when fork pull-request builds get a full-access job token."),
            col("variables", "JSON", description="{name: {value, isSecret, allowOverride}}; secrets are null."),
            col("secret_variable_count", "BIGINT", lambda item, _c: secret_variable_count(item.get("variables")),
                "Number of pipeline variables marked secret."),
            col("variable_groups", "JSON", description="Variable groups linked to the pipeline."),
            col("triggers", "JSON",
                description="Triggers: CI, pull request (with fork settings), schedules, build completion."),
            col("created_date", "TIMESTAMP", description="When this revision of the pipeline was saved (UTC)."),
            col("authored_by", "VARCHAR", identity_name("authoredBy"),
                "Who saved this revision of the pipeline (unique name, else display name)."),
            col("revision", "BIGINT", description="Revision of the pipeline, raised by every save."),
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
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            *(col(name, "BOOLEAN", description=text) for name, text in GENERAL_SETTING_FLAGS),
            col("disable_implied_yaml_ci_trigger", "BOOLEAN", "disableImpliedYAMLCiTrigger",
                "True when YAML pipelines without a trigger section get no implied CI trigger."),
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
                "True when every pipeline of the project may use the resource."),
            col("all_pipelines_authorized_by", "VARCHAR", identity_name("allPipelines.authorizedBy"),
                "Who opened the resource to all pipelines (unique name, else display name)."),
            col("all_pipelines_authorized_on", "TIMESTAMP", "allPipelines.authorizedOn",
                "When the resource was opened to all pipelines (UTC)."),
            col("authorized_pipeline_ids", "JSON",
                lambda item, _c: [p.get("id") for p in item.get("pipelines") or [] if p.get("authorized")],
                "Ids of the pipelines individually authorized."),
            col("authorized_pipeline_count", "BIGINT", count_of("pipelines"),
                "Number of pipelines listed for the resource (authorized or not)."),
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
            col("id", "BIGINT", description="Check configuration id."),
            col("type_id", "VARCHAR", "type.id", "Check type id; Approval = 8c6f20a7-a545-4486-9777-f762fafe0d4d."),
            col("type_name", "VARCHAR", "type.name",
                "Check type: Approval, Task Check, ExtendsCheck (required template), ..."),
            col("settings", "JSON", description="The check's settings as the API returns them (type-specific)."),
            col("approvers", "JSON", "settings.approvers", "Approval checks: who may approve (users and groups)."),
            col("min_required_approvers", "BIGINT", "settings.minRequiredApprovers",
                "Approval checks: approvals needed (0 = all approvers)."),
            col("requester_cannot_be_approver", "BOOLEAN", "settings.requesterCannotBeApprover",
                "Approval checks: true when whoever queued the run cannot approve it."),
            col("timeout", "BIGINT", description="Minutes the check waits before it fails the run."),
            col("is_disabled", "BOOLEAN", description="True when the check is disabled (not evaluated)."),
            col("created_on", "TIMESTAMP", description="When the check was added (UTC)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who added the check (unique name, else display name)."),
            col("modified_on", "TIMESTAMP", description="When the check was last changed (UTC)."),
            col("modified_by", "VARCHAR", identity_name("modifiedBy"),
                "Who last changed the check (unique name, else display name)."),
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
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "BIGINT", description="Release definition id, unique within the project."),
            col("name", "VARCHAR", description="Release pipeline name."),
            col("path", "VARCHAR", description="Folder of the release pipeline."),
            col("source", "VARCHAR", description="How it was created: userInterface, restApi, ..."),
            col("revision", "BIGINT", description="Revision of the definition, raised by every save."),
            col("deleted", "BOOLEAN", "isDeleted",
                "True when the definition was deleted (listings normally omit those)."),
            col("release_name_format", "VARCHAR", description="Format of release names, e.g. Release-$(rev:r)."),
            col("environments", "JSON", description="Stages with preDeployApprovals, postDeployApprovals, "
                "gates, deployPhases, variables."),
            col("environment_names", "JSON",
                lambda item, _c: [e.get("name") for e in item.get("environments") or []],
                "Names of the stages, in order."),
            col("variables", "JSON", description="{name: {value, isSecret, allowOverride}}; secrets are null."),
            col("secret_variable_count", "BIGINT", lambda item, _c: secret_variable_count(item.get("variables")),
                "Number of release variables marked secret."),
            col("variable_groups", "JSON", description="Ids of the linked variable groups."),
            col("artifacts", "JSON",
                description="Artifact sources the releases deploy (builds, repositories, packages)."),
            col("triggers", "JSON", description="Release triggers, e.g. continuous deployment on a new artifact."),
            col("created_on", "TIMESTAMP", description="When the release definition was created (UTC)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the release definition (unique name, else display name)."),
            col("modified_on", "TIMESTAMP", description="When the release definition was last changed (UTC)."),
            col("modified_by", "VARCHAR", identity_name("modifiedBy"),
                "Who last changed the release definition (unique name, else display name)."),
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
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "BIGINT", description="Environment id, unique within the project."),
            col("name", "VARCHAR", description="Environment name, as deployment jobs name it."),
            col("description", "VARCHAR", description="Environment description."),
            col("created_on", "TIMESTAMP", description="When the environment was created (UTC)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the environment (unique name, else display name)."),
            col("last_modified_on", "TIMESTAMP", description="When the environment was last changed (UTC)."),
            col("resources", "JSON",
                description="Resources in the environment (Kubernetes namespaces, virtual machines)."),
        ),
        required_scope="vso.environment_manage",
        audit_actions=("Environment.", "Pipelines.Environment"),
    ),
)
