-- Pipeline runs for pull requests on self-hosted agents, where the pipeline also builds pull requests from forks.
-- Code from a fork then runs on your own machines, inside your network, possibly with your secrets.
SELECT r.organization, r.project_name, r.definition_name, r.build_number, r.queue_name, r.source_branch,
       r.pull_request_id, d.fork_allow_secrets, d.fork_allow_full_access_token, r.queue_time
FROM azure_devops.pipeline_runs AS r
JOIN azure_devops.build_definitions AS d
  ON d.organization = r.organization AND d.project_id = r.project_id AND d.id = r.definition_id
LEFT JOIN azure_devops.agent_queues AS q
  ON q.organization = r.organization AND q.project_id = r.project_id AND q.id = r.queue_id
WHERE r.reason = 'pullRequest' AND d.fork_builds_enabled
  AND NOT coalesce(q.pool_is_hosted, d.pool_is_hosted, FALSE)
ORDER BY r.queue_time DESC
