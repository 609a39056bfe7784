"""Build agents: agent pools (organization), agent queues (project) and the agents in each pool."""

from __future__ import annotations

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.catalog.common import PER_PROJECT, identity_name
from resmo_pipeline.catalog.model import FanOut, ResourceType, col, ctx

AREA = "agents"

POOLS = Endpoint(
    host="dev.azure.com", path="_apis/distributedtask/pools", api_version="7.1", scope="vso.agentpools",
)
QUEUES = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/queues", api_version="7.1",
    scope="vso.agentpools",
)
AGENTS = Endpoint(
    host="dev.azure.com", path="_apis/distributedtask/pools/{poolId}/agents", api_version="7.1",
    params={"includeCapabilities": "true"}, scope="vso.agentpools",
)

TYPES = (
    ResourceType(
        name="agent_pools",
        area=AREA,
        description="Agent pools: Microsoft-hosted or self-hosted, auto-provisioning into new projects and "
        "agent auto-update.",
        endpoint=POOLS,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "BIGINT", description="Agent pool id, unique within the organization."),
            col("name", "VARCHAR", description="Agent pool name."),
            col("is_hosted", "BOOLEAN",
                description="True for Microsoft-hosted pools; false for self-hosted agents you run."),
            col("pool_type", "VARCHAR",
                description="automation (pipeline agents) or deployment (deployment group machines)."),
            col("auto_provision", "BOOLEAN",
                description="True when the pool is added to every new project automatically."),
            col("auto_update", "BOOLEAN",
                description="True when agents in the pool update themselves to new agent versions."),
            col("auto_size", "BOOLEAN", description="True when the pool sizes itself from its agent cloud's settings."),
            col("is_legacy", "BOOLEAN", description="True for legacy (old hosted) pools."),
            col("size", "BIGINT", description="Number of agents in the pool."),
            col("target_size", "BIGINT", description="Agent count a pool backed by an agent cloud aims for."),
            col("options", "VARCHAR",
                description="Pool options: none, elasticPool, singleUseAgents, preserveAgentOnJobFailure."),
            col("owner", "VARCHAR", identity_name("owner"),
                "Who owns (administers) the pool (unique name, else display name)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the pool (unique name, else display name)."),
            col("created_on", "TIMESTAMP", description="When the pool was created (UTC)."),
        ),
        required_scope="vso.agentpools",
        ignore_in_history=("size",),
        audit_actions=("Library.AgentPool", "DistributedTask."),
    ),
    ResourceType(
        name="agent_queues",
        area=AREA,
        description="Agent queues: a project's link to an agent pool (pipelines target queues).",
        endpoint=QUEUES,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("project_id", "id"),
        columns=(
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("id", "BIGINT", description="Agent queue id (pipelines target this id)."),
            col("name", "VARCHAR", description="Agent queue name (usually the pool's name)."),
            col("pool_id", "BIGINT", "pool.id", "The pool the queue sends jobs to (join to agent_pools.id)."),
            col("pool_name", "VARCHAR", "pool.name", "Name of that pool."),
            col("pool_is_hosted", "BOOLEAN", "pool.isHosted", "True when that pool is Microsoft-hosted."),
            col("pool_type", "VARCHAR", "pool.poolType",
                "automation (pipeline agents) or deployment (deployment group machines)."),
        ),
        required_scope="vso.agentpools",
        audit_actions=("Library.AgentQueue", "Library.AgentPool", "Pipelines.AgentQueue"),
    ),
    ResourceType(
        name="agents",
        area=AREA,
        description="Agents of every pool with version, status and capabilities (user capabilities are "
        "free text and sometimes hold secrets).",
        endpoint=AGENTS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="agent_pools",
                path_params={"poolId": "id"},
                context={"pool_id": "id", "pool_name": "name", "pool_is_hosted": "is_hosted"},
            ),
        ),
        key=("pool_id", "id"),
        columns=(
            ctx("pool_id", "BIGINT", description="The agent's pool (join to agent_pools.id)."),
            ctx("pool_name", description="Name of that pool."),
            ctx("pool_is_hosted", "BOOLEAN", description="True when that pool is Microsoft-hosted."),
            col("id", "BIGINT", description="Agent id, unique within its pool."),
            col("name", "VARCHAR", description="Agent name (usually the machine name)."),
            col("version", "VARCHAR", description="Agent software version, e.g. 3.248.0."),
            col("enabled", "BOOLEAN",
                description="True when the agent takes jobs; false when an administrator disabled it."),
            col("status", "VARCHAR", description="Agent connection state: online or offline."),
            col("os_description", "VARCHAR", description="Operating system the agent reports."),
            col("provisioning_state", "VARCHAR",
                description="Provisioning state the service reports, e.g. Provisioned."),
            col("max_parallelism", "BIGINT", description="Jobs the agent runs at the same time."),
            col("created_on", "TIMESTAMP", description="When the agent was registered (UTC)."),
            col("status_changed_on", "TIMESTAMP", description="When the agent last went online or offline (UTC)."),
            col("system_capabilities", "JSON",
                description="Capabilities the agent detected: environment variables and tools {name: value}."),
            col("user_capabilities", "JSON",
                description="User-defined capabilities {name: value}: free text that can hold secrets."),
        ),
        required_scope="vso.agentpools",
        ignore_in_history=("status", "statusChangedOn", "lastCompletedRequest", "assignedRequest"),
        audit_actions=("Library.Agent", "DistributedTask."),
    ),
)
