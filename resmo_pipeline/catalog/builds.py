"""What pipelines did and run: pipeline runs (builds), the YAML file behind each YAML pipeline, task groups and
the deployments recorded on environments."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from resmo_pipeline.azure_devops import Endpoint, NotFoundError, Paging, PermissionDeniedError
from resmo_pipeline.catalog.common import PER_PROJECT, count_of, dig, identity_name
from resmo_pipeline.catalog.model import Call, FanOut, FetchContext, Record, ResourceType, col, ctx

AREA = "pipelines"

#: How many days back the first sync of pipeline_runs reads (later syncs only read what finished since).
RUNS_DAYS_ENV = "RESMO_PIPELINE_RUNS_DAYS"
DEFAULT_RUNS_DAYS = 30

BUILDS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/build/builds", api_version="7.1",
    paging=Paging.HEADER_TOKEN, scope="vso.build",
)
GIT_ITEM = Endpoint(
    host="dev.azure.com", path="{project}/_apis/git/repositories/{repositoryId}/items", api_version="7.1",
    items_key=None, scope="vso.code",
)
TASK_GROUPS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/taskgroups", api_version="7.1-preview.1",
    scope="vso.build",
)
ENVIRONMENT_DEPLOYMENTS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/environments/{environmentId}/"
    "environmentdeploymentrecords", api_version="7.1", paging=Paging.HEADER_TOKEN, page_size_param="top",
    scope="vso.environment_manage",
)

#: Build statuses of runs that have not finished yet (re-read on every sync until they finish).
UNFINISHED_STATUSES = "notStarted,inProgress,cancelling,postponed"


def runs_window_days() -> int:
    """The first sync's window in days (`RESMO_PIPELINE_RUNS_DAYS`, default 30)."""
    raw = os.environ.get(RUNS_DAYS_ENV, "").strip()
    try:
        days = int(raw) if raw else DEFAULT_RUNS_DAYS
    except ValueError as exc:
        raise ValueError(f"{RUNS_DAYS_ENV} must be a whole number of days, not {raw!r}") from exc
    if days <= 0:
        raise ValueError(f"{RUNS_DAYS_ENV} must be positive, not {days}")
    return days


def _iso(moment: datetime | str) -> str:
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.isoformat().replace("+00:00", "Z")


def _project_calls(fc: FetchContext) -> list[Call]:
    calls = PER_PROJECT.calls(fc.parent_rows.get("projects", []))
    return [c for c in calls if fc.only is None or fc.only(c.context)]


def _fetch_runs(fc: FetchContext) -> list[Record]:
    """Runs that finished since `since` (first sync: within the window), plus the runs not finished yet.

    Finished runs are asked for by finish time, so a run in progress at one sync is read again once it
    finishes (its finish time is newer than anything stored) and replaces its stored row (same key).
    """
    since = fc.since if fc.since is not None else datetime.now(UTC) - timedelta(days=runs_window_days())
    queries = ({"minTime": _iso(since), "queryOrder": "finishTimeAscending", "statusFilter": "completed"},
               {"statusFilter": UNFINISHED_STATUSES, "queryOrder": "queueTimeAscending"})
    plans = [(call, query) for call in _project_calls(fc) for query in queries]
    vanished: list[str] = []

    def read(plan: tuple[Call, dict[str, str]]) -> list[Record]:
        call, query = plan
        try:
            items = fc.client.list(BUILDS, path_params=call.path_params, params=query)
        except NotFoundError:
            vanished.append(str(call.context.get("project_name")))
            return []
        return [(item, dict(call.context)) for item in items if isinstance(item, dict)]

    records = [r for found in fc.client.map(read, plans) for r in found]
    if vanished:
        fc.warnings.append(f"{len(vanished)} project(s) not found, removed during the sync? (first: {vanished[0]})")
    # A run finishing between the two queries is listed by both; keep the finished listing.
    seen: set[tuple[Any, Any]] = set()
    unique = []
    for item, context in records:
        key = (context.get("project_id"), item.get("id"))
        if key not in seen:
            seen.add(key)
            unique.append((item, context))
    return unique


def _is_yaml_on_azure_repos(row: Mapping[str, Any]) -> bool:
    return row.get("process_type") == 2 and row.get("repository_type") == "TfsGit" and bool(row.get("yaml_filename"))


YAML_DEFINITIONS = FanOut(
    parent="build_definitions",
    path_params={"project": "project_id", "repositoryId": "repository_id"},
    context={"project_id": "project_id", "project_name": "project_name", "definition_id": "id",
             "definition_name": "name", "repository_id": "repository_id", "repository_name": "repository_name",
             "path": "yaml_filename"},
    where=_is_yaml_on_azure_repos,
)


def _branch_name(ref: str | None) -> str | None:
    if not ref:
        return None
    return ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref


def _fetch_yaml_files(fc: FetchContext) -> list[Record]:
    """The YAML file of each YAML definition at its repository's default branch; unreadable files become rows
    with `read_error` (the error's message), so a pipeline whose file cannot be read is not silently missing."""
    default_branches = {str(r.get("id")): r.get("default_branch") for r in fc.parent_rows.get("repositories", [])}
    calls = YAML_DEFINITIONS.calls(fc.parent_rows.get("build_definitions", []))
    calls = [c for c in calls if fc.only is None or fc.only(c.context)]

    def read(call: Call) -> Record:
        context = dict(call.context)
        branch = _branch_name(default_branches.get(str(context["repository_id"])))
        context["branch"] = branch
        params = {"path": str(context["path"]), "includeContent": "true", "$format": "json"}
        if branch:
            params |= {"versionDescriptor.version": branch, "versionDescriptor.versionType": "branch"}
        try:
            item = fc.client.get(GIT_ITEM, path_params=call.path_params, params=params)
        except (NotFoundError, PermissionDeniedError) as exc:
            if isinstance(exc, PermissionDeniedError) and "required scope" in str(exc).lower():
                raise  # the token lacks vso.code: the whole type is refused, not each file
            context["read_error"] = f"{type(exc).__name__}: {exc}"
            return {"path": context["path"]}, context
        return (item if isinstance(item, dict) else {"path": context["path"]}), context

    return fc.client.map(read, calls)


def _task_version(item: Mapping[str, Any], _context: Mapping[str, Any]) -> str | None:
    version = item.get("version")
    if not isinstance(version, Mapping):
        return None
    text = f"{version.get('major', 0)}.{version.get('minor', 0)}.{version.get('patch', 0)}"
    return f"{text}-test" if version.get("isTest") else text


def _task_refs(item: Mapping[str, Any], _context: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"id": dig(step, "task.id"), "version": dig(step, "task.versionSpec"), "name": step.get("displayName"),
             "enabled": step.get("enabled")} for step in item.get("tasks") or [] if isinstance(step, Mapping)]


def _pull_request_id(item: Mapping[str, Any], _context: Mapping[str, Any]) -> int | None:
    value = dig(item, "triggerInfo")
    number = value.get("pr.number") if isinstance(value, Mapping) else None
    return int(number) if number not in (None, "") and str(number).isdigit() else None


ENVIRONMENT_FAN_OUT = FanOut(
    parent="environments",
    path_params={"project": "project_id", "environmentId": "id"},
    context={"project_id": "project_id", "project_name": "project_name", "environment_id": "id",
             "environment_name": "name"},
)

TYPES = (
    ResourceType(
        name="pipeline_runs",
        area=AREA,
        description="Runs (builds) of every pipeline: who requested them and for whom, why (manual, "
        "individualCI, batchedCI, pullRequest, schedule, resourceTrigger, ...), repository, branch and commit, "
        "status, result and times. The first sync reads the runs that finished in the last "
        f"{DEFAULT_RUNS_DAYS} days (set {RUNS_DAYS_ENV} to change the window) plus the runs not finished yet; "
        "later syncs read only runs finished after the newest stored finish time, plus the unfinished ones, "
        "and append them by key: a run stored while in progress is replaced by its finished row, never "
        "duplicated. The build list does not name the protected resources (service connections, variable "
        "groups, ...) a run used, so they are not here (see pipeline_permissions and "
        "service_connection_usage).",
        endpoint=BUILDS,
        scope="project",
        fetch=_fetch_runs,
        extra_parents=("projects",),
        key=("project_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "BIGINT", description="The run (build) id."),
            col("build_number", "VARCHAR", description="The run's number as shown in the UI, e.g. 20261204.3."),
            col("definition_id", "BIGINT", "definition.id", "The pipeline (join to build_definitions.id)."),
            col("definition_name", "VARCHAR", "definition.name", "The pipeline's name."),
            col("definition_path", "VARCHAR", "definition.path", "The pipeline's folder."),
            col("status", "VARCHAR",
                description="Run state: completed, inProgress, notStarted, cancelling, postponed."),
            col("result", "VARCHAR",
                description="Outcome: succeeded, partiallySucceeded, failed, canceled (null while running)."),
            col("reason", "VARCHAR",
                description="Why it ran: manual, individualCI, batchedCI, schedule, pullRequest, buildCompletion, ..."),
            col("requested_by", "VARCHAR", identity_name("requestedBy"), "Who (or which service) queued it."),
            col("requested_by_id", "VARCHAR", "requestedBy.id",
                "Identity id of who (or which service) queued the run."),
            col("requested_for", "VARCHAR", identity_name("requestedFor"), "On whose behalf (the pusher, the "
                "pull request's author)."),
            col("requested_for_id", "VARCHAR", "requestedFor.id", "Identity id of whom the run was queued for."),
            col("repository_id", "VARCHAR", "repository.id",
                "Repository built (join to repositories.id for Azure Repos)."),
            col("repository_type", "VARCHAR", "repository.type",
                "Where the code lives: TfsGit (Azure Repos), GitHub, ..."),
            col("repository_name", "VARCHAR", "repository.name", "Name of the repository built."),
            col("source_branch", "VARCHAR", description="Ref built: refs/heads/... or refs/pull/<id>/merge."),
            col("source_version", "VARCHAR", description="The commit built."),
            col("pull_request_id", "BIGINT", _pull_request_id,
                "Pull request built (join to pull_requests.pull_request_id); NULL for other runs."),
            col("triggered_by_build_id", "BIGINT", "triggeredByBuild.id",
                "The run whose completion triggered this one (build completion trigger)."),
            col("queue_id", "BIGINT", "queue.id", "Agent queue the run used (join to agent_queues.id)."),
            col("queue_name", "VARCHAR", "queue.name", "Name of that agent queue."),
            col("queue_time", "TIMESTAMP", description="When the run was queued (UTC)."),
            col("start_time", "TIMESTAMP", description="When the run started (UTC)."),
            col("finish_time", "TIMESTAMP",
                description="When the run finished (UTC); incremental syncs resume after the newest stored."),
            col("keep_forever", "BOOLEAN", description="True when the run is exempt from retention (kept forever)."),
            col("retained_by_release", "BOOLEAN", description="True when a release retains the run."),
            col("template_parameters", "JSON", description="Runtime parameters the run was queued with."),
            col("tags", "JSON", description="Tags added to the run."),
        ),
        required_scope="vso.build",
        track_history=False,
        write_mode="append",
        since_field="finishTime",
    ),
    ResourceType(
        name="pipeline_yaml_files",
        area=AREA,
        description="The YAML file of every YAML pipeline on an Azure Repos (TfsGit) repository, read at the "
        "repository's default branch: commit, object id and content. A file that is missing or that the "
        "token may not read is a row with read_error set (content null), not a gap. Needs vso.code.",
        endpoint=GIT_ITEM,
        scope="parent",
        fan_out=(YAML_DEFINITIONS,),
        fetch=_fetch_yaml_files,
        extra_parents=("repositories",),
        key=("project_id", "definition_id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            ctx("definition_id", "BIGINT", "The YAML pipeline (join to build_definitions.id)."),
            ctx("definition_name", description="The pipeline's name."),
            ctx("repository_id", description="The repository holding the file (join to repositories.id)."),
            ctx("repository_name", description="Repository name."),
            ctx("branch", description="The branch read (the repository's default branch)."),
            ctx("path", description="The YAML file (process.yamlFilename)."),
            col("commit_id", "VARCHAR", description="The commit the file was read at."),
            col("object_id", "VARCHAR", description="The blob's id (changes when the content changes)."),
            col("content", "VARCHAR", description="The file's text."),
            ctx("read_error", description="Why the file could not be read (not found, access denied); null when "
                "it was."),
        ),
        required_scope="vso.code",
    ),
    ResourceType(
        name="task_groups",
        area=AREA,
        description="Task groups of classic pipelines: reusable sequences of tasks with their inputs, version "
        "and revision, and who created and last changed them.",
        endpoint=TASK_GROUPS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "VARCHAR", description="Task group id (GUID)."),
            col("name", "VARCHAR", description="Task group name."),
            col("friendly_name", "VARCHAR", description="Task group name as shown in the UI."),
            col("description", "VARCHAR", description="Task group description."),
            col("category", "VARCHAR", description="Task group category: Build, Deploy, Package, Utility, Test."),
            col("version", "VARCHAR", _task_version, "major.minor.patch (-test for a draft)."),
            col("revision", "BIGINT", description="Revision of the task group, raised by every change."),
            col("tasks", "JSON", _task_refs, "Each step's task id, version spec, display name and enabled flag."),
            col("task_count", "BIGINT", count_of("tasks"), "Number of steps in the task group."),
            col("steps", "JSON", "tasks", "The steps in full, with their inputs."),
            col("inputs", "JSON", description="The group's parameters."),
            col("deleted", "BOOLEAN", description="True when the task group was deleted."),
            col("created_on", "TIMESTAMP", description="When the task group was created (UTC)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the task group (unique name, else display name)."),
            col("modified_on", "TIMESTAMP", description="When the task group was last changed (UTC)."),
            col("modified_by", "VARCHAR", identity_name("modifiedBy"),
                "Who last changed the task group (unique name, else display name)."),
        ),
        required_scope="vso.build",
    ),
    ResourceType(
        name="environment_deployments",
        area=AREA,
        description="Deployments recorded on each environment by YAML deployment jobs: pipeline, stage, job, "
        "result, the run that deployed (owner) and times. The records name the request but no requesting "
        "identity; join owner_id to pipeline_runs.id for who requested the run.",
        endpoint=ENVIRONMENT_DEPLOYMENTS,
        scope="parent",
        fan_out=(ENVIRONMENT_FAN_OUT,),
        key=("project_id", "environment_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            ctx("environment_id", "BIGINT", description="The environment deployed to (join to environments.id)."),
            ctx("environment_name", description="Name of that environment."),
            col("id", "BIGINT", description="Deployment record id."),
            col("definition_id", "BIGINT", "definition.id",
                "The pipeline that deployed (join to build_definitions.id)."),
            col("definition_name", "VARCHAR", "definition.name", "The pipeline's name."),
            col("stage_name", "VARCHAR", description="Stage that ran the deployment job."),
            col("stage_attempt", "BIGINT", description="Attempt number of the stage (above 1 after a retry)."),
            col("job_name", "VARCHAR", description="Deployment job name."),
            col("job_attempt", "BIGINT", description="Attempt number of the job (above 1 after a retry)."),
            col("result", "VARCHAR", description="Deployment result: succeeded, failed, canceled, skipped, ..."),
            col("owner_id", "BIGINT", "owner.id", "The run that deployed (join to pipeline_runs.id)."),
            col("owner_name", "VARCHAR", "owner.name", "The run's number."),
            col("plan_type", "VARCHAR", description="Plan type of the deploying run (Build for YAML pipelines)."),
            col("plan_id", "VARCHAR", description="Id of the run's orchestration plan."),
            col("request_identifier", "VARCHAR", description="Identifier of the job request that deployed."),
            col("environment_resource_id", "BIGINT", "resourceId",
                "The environment resource (VM, Kubernetes) targeted, if any."),
            col("queue_time", "TIMESTAMP", description="When the deployment job was queued (UTC)."),
            col("start_time", "TIMESTAMP", description="When the deployment job started (UTC)."),
            col("finish_time", "TIMESTAMP", description="When the deployment job finished (UTC)."),
        ),
        required_scope="vso.environment_manage",
        track_history=False,
    ),
)
