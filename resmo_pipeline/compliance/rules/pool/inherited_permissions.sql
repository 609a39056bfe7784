/*
id: pool.inherited_permissions
title: Agent pool is used through queues that inherit the project's agent queue roles
severity: medium
resource_type: agent_pools
description: >
  One or more projects' agent queues of an agent pool have security inheritance on: the Security Roles API
  lists role assignments inherited from the project-level agent queue default (access "inherited") for them
  (scope distributedtask.agentqueuerole, one finding per pool naming the projects). This is the project-level
  "agent pool" security the ADO Security Scanner's control checks. Source: REST Security Roles - List
  (RoleAssignment.access); learn.microsoft.com/azure/devops/pipelines/agents/pools-queues.
rationale: >
  With inheritance on, everyone given a role on all of the project's agent pools also gets it on this one,
  including who may manage it or run jobs on its (often self-hosted, network-connected) agents.
remediation: >
  Project settings > Agent pools > the pool > Security: add the needed users explicitly, then switch
  Inheritance off (in every project listed).
anchors:
  adoscanner: [ADO_AgentPool_AuthZ_Disable_Inherited_Permissions]
  owasp: [CICD-SEC-2]
requires: [agent_pools, agent_queues, role_assignments]
*/
SELECT p.organization, p.resource_id, p.name AS resource_name, p.id,
       'Agent pool "' || p.name || '" has queues inheriting the project-level agent pool roles in '
           || string_agg(i.project_name || ' (' || i.inherited || ')', '; ' ORDER BY i.project_name) AS message
FROM azure_devops.agent_pools AS p
JOIN azure_devops.agent_queues AS q ON q.pool_id = p.id
JOIN inherited_role_grants(['queue']) AS i ON i.resource_key = q.resource_id
GROUP BY p.organization, p.resource_id, p.name, p.id
