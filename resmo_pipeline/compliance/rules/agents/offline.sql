/*
id: agents.offline
title: Self-hosted agent has been offline for a long time
severity: low
resource_type: agents
description: >
  A self-hosted agent (of a pool with isHosted false) is offline and its status last changed more than
  $offline_days days ago. Source: REST Agents (TaskAgent.status, statusChangedOn).
rationale: >
  A long-offline agent is a forgotten machine that still holds a registration (and the agent's credentials)
  for the pool; when it comes back it runs pipeline jobs with whatever outdated software it has. Unused
  registrations should be removed.
remediation: >
  Organization settings > Agent pools > the pool > Agents: delete the agent if the machine is gone or no
  longer needed (and remove the agent from the machine), or bring it back up to date.
anchors:
  owasp: [CICD-SEC-7]
params:
  offline_days: 30
requires: [agents]
*/
SELECT organization, resource_id, name AS resource_name, id,
       'Agent "' || name || '" in pool "' || pool_name || '" has been offline for ' || days_since(status_changed_on)
           || ' days' AS message
FROM azure_devops.agents
WHERE NOT coalesce(pool_is_hosted, FALSE)
  AND lower(status) = 'offline'
  AND older_than_days(status_changed_on, $offline_days)
