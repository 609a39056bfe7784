/*
id: pool.auto_provisioning
title: Self-hosted agent pool is added to every new project
severity: medium
resource_type: agent_pools
description: >
  A self-hosted agent pool (isHosted false) has auto-provisioning on ("Auto-provision this agent pool in all
  projects"), so every new project gets a queue for it. Microsoft-hosted pools are not judged: their agents
  are fresh virtual machines per job. Source: REST Pools (TaskAgentPool.autoProvision);
  learn.microsoft.com/azure/devops/pipelines/agents/pools-queues (pool settings); ADO Security Scanner
  CheckOrgAgtAutoProvisioning.
rationale: >
  Pipelines of any project, including ones created later by people outside the pool's owners, can then run
  on these machines, use what earlier jobs left on them and reach their networks: one compromised project
  becomes a foothold in the others.
remediation: >
  Organization settings > Agent pools > the pool > Settings: turn off "Auto-provision this agent pool in all
  projects", and remove the queues of projects that do not need it.
anchors:
  adoscanner: [ADO_AgentPool_AuthZ_Dont_Enable_Auto_Provisioning]
  owasp: [CICD-SEC-7]
requires: [agent_pools]
*/
SELECT organization, resource_id, name AS resource_name, id,
       'Self-hosted agent pool "' || name || '" is auto-provisioned into every new project' AS message
FROM azure_devops.agent_pools
WHERE NOT coalesce(is_hosted, FALSE)
  AND coalesce(auto_provision, FALSE)
