"""Deployment groups (classic release targets) and the machines (deployment targets) registered in them."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint, Paging
from resmo_pipeline.catalog.common import PER_PROJECT, count_of, dig
from resmo_pipeline.catalog.model import FanOut, ResourceType, col, ctx

AREA = "agents"

DEPLOYMENT_GROUPS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/deploymentgroups", api_version="7.1-preview.1",
    paging=Paging.HEADER_TOKEN, params={"$expand": "machines"}, scope="vso.machinegroup_manage",
)
DEPLOYMENT_TARGETS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/deploymentgroups/{deploymentGroupId}/targets",
    api_version="7.1-preview.1", paging=Paging.HEADER_TOKEN,
    params={"$expand": "capabilities,assignedRequest,lastCompletedRequest"}, scope="vso.machinegroup_manage",
)

#: What replaces a user capability's value: they are free text and sometimes hold secrets.
REDACTED = "[redacted]"


def _machines_with_status(status: str):
    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> int:
        return sum(1 for m in item.get("machines") or [] if dig(m, "agent.status") == status)

    return extract


def _without_capability_values(agent: Any) -> None:
    if isinstance(agent, dict) and isinstance(agent.get("userCapabilities"), dict):
        agent["userCapabilities"] = {name: REDACTED for name in agent["userCapabilities"]}


def _scrub_group(item: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The group with its machines' user capability values replaced (names kept)."""
    if not any(isinstance(m, dict) and dig(m, "agent.userCapabilities") for m in item.get("machines") or []):
        yield item
        return
    scrubbed = copy.deepcopy(item)
    for machine in scrubbed.get("machines") or []:
        _without_capability_values(machine.get("agent") if isinstance(machine, dict) else None)
    yield scrubbed


def _scrub_target(item: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The target with its agent's user capability values replaced (names kept)."""
    if not dig(item, "agent.userCapabilities"):
        yield item
        return
    scrubbed = copy.deepcopy(item)
    _without_capability_values(scrubbed.get("agent"))
    yield scrubbed


TYPES = (
    ResourceType(
        name="deployment_groups",
        area=AREA,
        description="Deployment groups: sets of machines classic release pipelines deploy to, with their "
        "deployment pool and how many machines are registered, online and offline.",
        endpoint=DEPLOYMENT_GROUPS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "BIGINT", description="Deployment group id, unique within the project."),
            col("name", "VARCHAR", description="Deployment group name."),
            col("description", "VARCHAR", description="Deployment group description."),
            col("pool_id", "BIGINT", "pool.id",
                "Deployment pool the group's agents belong to (join to agent_pools.id)."),
            col("pool_name", "VARCHAR", "pool.name", "Name of that deployment pool."),
            col("machine_count", "BIGINT", description="Number of machines registered in the group."),
            col("online_machine_count", "BIGINT", _machines_with_status("online"), "Machines whose agent is online."),
            col("offline_machine_count", "BIGINT", _machines_with_status("offline"),
                "Machines whose agent is offline."),
            col("machine_tags", "JSON", description="Tags used on the group's machines."),
        ),
        required_scope="vso.machinegroup_manage",
        explode=_scrub_group,
        ignore_in_history=("machines",),
        audit_actions=("DistributedTask.",),
    ),
    ResourceType(
        name="deployment_targets",
        area=AREA,
        description="Deployment targets: the machines of each deployment group with their agent's version, "
        "status, tags, OS and last completed deployment job (user capability values are never stored).",
        endpoint=DEPLOYMENT_TARGETS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="deployment_groups",
                path_params={"project": "project_id", "deploymentGroupId": "id"},
                context={"project_id": "project_id", "project_name": "project_name",
                         "deployment_group_id": "id", "deployment_group_name": "name"},
            ),
        ),
        key=("project_id", "deployment_group_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            ctx("deployment_group_id", "BIGINT", description="The deployment group (join to deployment_groups.id)."),
            ctx("deployment_group_name", description="Name of that deployment group."),
            col("id", "BIGINT", description="Deployment machine id."),
            col("agent_id", "BIGINT", "agent.id", "Id of the machine's agent in the deployment pool."),
            col("agent_name", "VARCHAR", "agent.name", "Agent name (usually the machine name)."),
            col("agent_version", "VARCHAR", "agent.version", "Agent software version."),
            col("agent_status", "VARCHAR", "agent.status", "Agent connection state: online or offline."),
            col("agent_enabled", "BOOLEAN", "agent.enabled", "True when the agent takes jobs."),
            col("os_description", "VARCHAR", "agent.osDescription", "Operating system the agent reports."),
            col("tags", "JSON", description="Tags of the machine (releases pick machines by tag)."),
            col("agent_created_on", "TIMESTAMP", "agent.createdOn", "When the agent was registered (UTC)."),
            col("status_changed_on", "TIMESTAMP", "agent.statusChangedOn",
                "When the agent last went online or offline (UTC)."),
            col("last_request_id", "BIGINT", "agent.lastCompletedRequest.requestId",
                "Id of the last completed deployment job on the machine."),
            col("last_request_result", "VARCHAR", "agent.lastCompletedRequest.result",
                "Result of that job: succeeded, failed, canceled, ..."),
            col("last_request_finish_time", "TIMESTAMP", "agent.lastCompletedRequest.finishTime",
                "When the last completed deployment job finished (UTC)."),
            col("last_request_definition_id", "BIGINT", "agent.lastCompletedRequest.definition.id",
                "Release definition id of the last job (join to release_definitions.id)."),
            col("last_request_definition_name", "VARCHAR", "agent.lastCompletedRequest.definition.name",
                "Release definition name of the last job."),
            col("assigned_request_id", "BIGINT", "agent.assignedRequest.requestId",
                "Id of the job running on the machine now, if any."),
            col("user_capability_count", "BIGINT", count_of("agent.userCapabilities"),
                "Number of user-defined capabilities (free text that can hold secrets; not stored)."),
        ),
        required_scope="vso.machinegroup_manage",
        explode=_scrub_target,
        audit_actions=("DistributedTask.",),
    ),
)
