/*
id: agents.outdated_version
title: Self-hosted agent runs an outdated agent version
severity: medium
resource_type: agents
description: >
  A self-hosted agent (of a pool with isHosted false) reports an agent version older than $minimum_version
  (compared number by number). Source: REST Agents (TaskAgent.version);
  learn.microsoft.com/azure/devops/pipelines/agents/v3-agent (the 2.x agent is no longer supported).
rationale: >
  Old agents run unsupported runtimes with known vulnerabilities on machines that hold build credentials and
  network access; they also show that the pool's updates are not happening.
remediation: >
  Organization settings > Agent pools > the pool > Agents: update the agent (or reinstall a current one), and
  turn on automatic updates for the pool.
anchors:
  owasp: [CICD-SEC-7]
params:
  minimum_version: '3.0.0'
requires: [agents]
*/
SELECT organization, resource_id, name AS resource_name, id,
       'Agent "' || name || '" in pool "' || pool_name || '" runs agent version ' || version
           || ', older than ' || $minimum_version AS message
FROM azure_devops.agents
WHERE NOT coalesce(pool_is_hosted, FALSE)
  AND agent_version_below(version, $minimum_version)
