/*
id: deploy.offline_targets
title: Deployment target has been offline for a long time
severity: low
resource_type: deployment_targets
description: >
  A machine of a deployment group has its deployment agent offline, and the agent's status last changed more
  than $offline_days days ago. Source: REST Deployment Groups / Targets (DeploymentMachine.agent.status,
  statusChangedOn); learn.microsoft.com/azure/devops/pipelines/release/deployment-groups.
rationale: >
  A target that stays offline is usually a decommissioned or broken server that is still registered; its
  agent keeps credentials for the deployment pool and receives production deployments when it reappears.
remediation: >
  Pipelines > Deployment groups > the group > Targets: remove the target if the machine is gone (and
  unconfigure the agent on it), or repair it.
anchors:
  owasp: [CICD-SEC-7]
params:
  offline_days: 30
requires: [deployment_targets]
*/
SELECT organization, resource_id, agent_name AS resource_name, project_name, id,
       'Deployment target "' || agent_name || '" in deployment group "' || deployment_group_name
           || '" has been offline for ' || days_since(status_changed_on) || ' days' AS message
FROM azure_devops.deployment_targets
WHERE lower(agent_status) = 'offline'
  AND older_than_days(status_changed_on, $offline_days)
