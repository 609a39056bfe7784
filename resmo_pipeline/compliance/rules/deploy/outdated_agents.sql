/*
id: deploy.outdated_agents
title: Deployment target runs an outdated agent version
severity: medium
resource_type: deployment_targets
description: >
  The deployment agent of a deployment group's machine reports a version older than $minimum_version
  (compared number by number). Source: REST Deployment Targets (DeploymentMachine.agent.version);
  learn.microsoft.com/azure/devops/pipelines/agents/v3-agent (the 2.x agent is no longer supported).
rationale: >
  Deployment targets are production servers; an unsupported agent runs old runtimes with known
  vulnerabilities there, with the rights of the deployment pool.
remediation: >
  Pipelines > Deployment groups > the group > Targets: update the agent on the machine (or reinstall a current
  one with the registration script).
anchors:
  owasp: [CICD-SEC-7]
params:
  minimum_version: '3.0.0'
requires: [deployment_targets]
*/
SELECT organization, resource_id, agent_name AS resource_name, project_name, id,
       'Deployment target "' || agent_name || '" in deployment group "' || deployment_group_name
           || '" runs agent version ' || agent_version || ', older than ' || $minimum_version AS message
FROM azure_devops.deployment_targets
WHERE agent_version_below(agent_version, $minimum_version)
