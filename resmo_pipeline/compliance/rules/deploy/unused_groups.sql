/*
id: deploy.unused_groups
title: Deployment group has not deployed anything for a long time
severity: low
resource_type: deployment_groups
description: >
  No machine of a deployment group finished a deployment job in the last $inactive_days days (by each target's
  last completed request), including groups without any machine. Source: REST Deployment Groups
  (machineCount) and Deployment Targets (DeploymentMachine.agent.lastCompletedRequest.finishTime).
rationale: >
  An unused deployment group still carries its security roles and its deployment pool; machines can be
  registered into it and release pipelines can target it. Removing it keeps the set of deployment paths small.
remediation: >
  Pipelines > Deployment groups: delete the group if no release needs it (and unconfigure any agent left on
  its machines).
anchors:
  owasp: [CICD-SEC-7]
params:
  inactive_days: 90
requires: [deployment_groups, deployment_targets]
*/
SELECT g.organization, g.resource_id, g.name AS resource_name, g.project_name, g.id,
       project_url(g.organization, g.project_name) || '/_machinegroup' AS url,
       'Deployment group "' || g.name || '" '
           || CASE WHEN count(t.id) = 0 THEN 'has no machines'
                   WHEN max(t.last_request_finish_time) IS NULL THEN 'has never run a deployment job'
                   ELSE 'last ran a deployment job ' || days_since(max(t.last_request_finish_time)) || ' days ago'
              END AS message
FROM azure_devops.deployment_groups AS g
LEFT JOIN azure_devops.deployment_targets AS t ON t.project_id = g.project_id AND t.deployment_group_id = g.id
GROUP BY g.organization, g.resource_id, g.name, g.project_name, g.id
HAVING max(t.last_request_finish_time) IS NULL OR older_than_days(max(t.last_request_finish_time), $inactive_days)
