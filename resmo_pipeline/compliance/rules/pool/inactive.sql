/*
id: pool.inactive
title: Self-hosted agent pool has run no pipeline job recently
severity: medium
resource_type: agent_pools
description: >
  A self-hosted agent pool created more than $inactive_days days ago has no agent queue in any project, or
  none of its queues ran a pipeline in the last $inactive_days days (by the collected pipeline runs: their
  queue and finish time; runs still going count) and no classic release definition's deployment phase targets
  one of them (release jobs are not pipeline runs). The default of 30 days matches the run history the first
  sync collects; raise it only once the warehouse holds that much history. Source: REST Builds (queue,
  finishTime), Release Definitions (deployPhases[].deploymentInput.queueId), Pools and Queues; ADO Security
  Scanner CheckInactiveAgentPool (180 days of the queue's job history).
rationale: >
  Agent machines keep workspaces, caches and sometimes credentials of earlier jobs; an unused pool is exposure
  with no benefit, and often unpatched.
remediation: >
  Confirm with its owners that the pool is no longer needed, then delete it (Organization settings > Agent
  pools) and decommission or unconfigure its agents.
anchors:
  adoscanner: [ADO_AgentPool_DP_Review_Inactive_Pool]
  owasp: [CICD-SEC-7]
params:
  inactive_days: 30
requires: [agent_pools, agent_queues, pipeline_runs, release_definitions]
*/
WITH used AS (
    SELECT project_id, queue_id
    FROM azure_devops.pipeline_runs
    WHERE finish_time IS NULL OR NOT older_than_days(finish_time, $inactive_days)
    UNION
    SELECT r.project_id, TRY_CAST(x.phase ->> '$.deploymentInput.queueId' AS BIGINT)
    FROM release_stages() AS r, unnest(CAST(coalesce(r.stage -> '$.deployPhases', '[]') AS JSON[])) AS x(phase)
)
SELECT p.organization, p.resource_id, p.name AS resource_name, p.id,
       'Self-hosted agent pool "' || p.name || '" '
           || CASE WHEN count(q.id) = 0 THEN 'is not used by any project (no agent queue)'
                   ELSE 'ran no pipeline job in the last ' || $inactive_days || ' days (queues in '
                        || string_agg(DISTINCT q.project_name, ', ' ORDER BY q.project_name) || ')' END AS message
FROM azure_devops.agent_pools AS p
LEFT JOIN azure_devops.agent_queues AS q ON q.pool_id = p.id
LEFT JOIN used AS u ON u.project_id = q.project_id AND u.queue_id = q.id
WHERE NOT coalesce(p.is_hosted, FALSE)
  AND older_than_days(p.created_on, $inactive_days)
GROUP BY p.organization, p.resource_id, p.name, p.id
HAVING count(u.queue_id) = 0
