/*
id: pool.broad_group_roles
title: Broad group can use or administer an agent pool
severity: high
resource_type: agent_pools
description: >
  A broad group ($broad_groups, by name without its "[scope]\" prefix) holds the User or Administrator role
  on an agent pool (organization level) or on a project's queue of it (project settings > Agent pools),
  assigned there rather than inherited (one finding per pool). Source:
  learn.microsoft.com/azure/devops/pipelines/agents/pools-queues (pool Administrator manages the
  pool and its agents; queue User lets pipelines of the project use it); broader groups and roles as in the ADO
  Security Scanner (RestrictedBroaderGroupsForAgentPool).
rationale: >
  Self-hosted agents run with the network access and any cached credentials of their machines; a broad group
  that can manage the pool or route jobs to it can run code there or tamper with agents other pipelines trust.
remediation: >
  Organization settings > Agent pools > the pool > Security, and Project settings > Agent pools > the pool >
  Security: remove the broad group or lower it to Reader; grant roles to a dedicated group.
anchors:
  adoscanner: [ADO_AgentPool_AuthZ_Restrict_Broader_Group_Access]
  owasp: [CICD-SEC-2, CICD-SEC-7]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
  include_inherited: false
requires: [agent_pools, agent_queues, role_assignments]
*/
WITH grants AS (
    SELECT q.pool_id, g.project_name || ': ' || g.grants AS grant_text
    FROM broad_role_grants(['queue'], $broad_groups, $roles, $include_inherited) AS g
    JOIN azure_devops.agent_queues AS q ON q.resource_id = g.resource_key
    UNION ALL
    SELECT TRY_CAST(resource_id_ref AS BIGINT), 'organization: ' || grants
    FROM broad_role_grants(['pool'], $broad_groups, $roles, $include_inherited)
)
SELECT p.organization, p.resource_id, p.name AS resource_name, p.id,
       'Agent pool "' || p.name || '" lets broad groups use or manage it: '
           || string_agg(g.grant_text, '; ' ORDER BY g.grant_text) AS message
FROM azure_devops.agent_pools AS p
JOIN grants AS g ON g.pool_id = p.id
GROUP BY p.organization, p.resource_id, p.name, p.id
