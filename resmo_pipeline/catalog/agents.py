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
            col("id", "BIGINT"),
            col("name", "VARCHAR"),
            col("is_hosted", "BOOLEAN"),
            col("pool_type", "VARCHAR", description="automation or deployment."),
            col("auto_provision", "BOOLEAN", description="Added to every new project automatically."),
            col("auto_update", "BOOLEAN"),
            col("auto_size", "BOOLEAN"),
            col("is_legacy", "BOOLEAN"),
            col("size", "BIGINT"),
            col("target_size", "BIGINT"),
            col("options", "VARCHAR"),
            col("owner", "VARCHAR", identity_name("owner")),
            col("created_by", "VARCHAR", identity_name("createdBy")),
            col("created_on", "TIMESTAMP"),
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
            ctx("project_id"),
            ctx("project_name"),
            col("id", "BIGINT"),
            col("name", "VARCHAR"),
            col("pool_id", "BIGINT", "pool.id"),
            col("pool_name", "VARCHAR", "pool.name"),
            col("pool_is_hosted", "BOOLEAN", "pool.isHosted"),
            col("pool_type", "VARCHAR", "pool.poolType"),
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
            ctx("pool_id", "BIGINT"),
            ctx("pool_name"),
            ctx("pool_is_hosted", "BOOLEAN"),
            col("id", "BIGINT"),
            col("name", "VARCHAR"),
            col("version", "VARCHAR"),
            col("enabled", "BOOLEAN"),
            col("status", "VARCHAR", description="online or offline."),
            col("os_description", "VARCHAR"),
            col("provisioning_state", "VARCHAR"),
            col("max_parallelism", "BIGINT"),
            col("created_on", "TIMESTAMP"),
            col("status_changed_on", "TIMESTAMP"),
            col("system_capabilities", "JSON"),
            col("user_capabilities", "JSON"),
        ),
        required_scope="vso.agentpools",
        ignore_in_history=("status", "statusChangedOn", "lastCompletedRequest", "assignedRequest"),
        audit_actions=("Library.Agent", "DistributedTask."),
    ),
)
