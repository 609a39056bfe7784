/*
id: pool.auto_update
title: Self-hosted agent pool does not update its agents
severity: medium
resource_type: agent_pools
description: >
  A self-hosted agent pool (isHosted false) has automatic agent updates turned off ("Allow agents in this
  pool to automatically update"). Microsoft-hosted pools are updated by Microsoft and not judged. Source: REST
  Pools (TaskAgentPool.autoUpdate); learn.microsoft.com/azure/devops/pipelines/agents/agents (agent version
  and upgrades); ADO Security Scanner CheckAutoUpdate.
rationale: >
  Agents that do not update keep running old agent code and old task runtimes (Node versions) with known
  vulnerabilities, and eventually stop being supported by the service.
remediation: >
  Organization settings > Agent pools > the pool > Settings: turn on "Allow agents in this pool to
  automatically update", then update the agents (pool > Agents > Update all agents).
anchors:
  adoscanner: [ADO_AgentPool_DP_Enable_Auto_Update]
  owasp: [CICD-SEC-7]
requires: [agent_pools]
*/
SELECT organization, resource_id, name AS resource_name, id,
       'Self-hosted agent pool "' || name || '" does not update its agents automatically' AS message
FROM azure_devops.agent_pools
WHERE NOT coalesce(is_hosted, FALSE)
  AND NOT coalesce(auto_update, TRUE)
