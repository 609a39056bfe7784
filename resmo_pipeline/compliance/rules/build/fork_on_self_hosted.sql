/*
id: build.fork_on_self_hosted
title: Pull requests from forks run on self-hosted agents
severity: high
resource_type: build_definitions
description: A build definition builds pull requests from forks on a self-hosted agent pool.
rationale: >
  Code from a fork runs on a machine inside the organization's network that keeps state between jobs; a
  malicious pull request can persist on the agent and attack later builds or the network.
remediation: >
  Run fork pull-request validation on Microsoft-hosted agents, or turn off building forks for this pipeline.
anchors:
  adoscanner: [ADO_Build_DP_Do_Not_Use_Forked_Repo_With_Self_Hosted_Agent]
  owasp: [CICD-SEC-4, CICD-SEC-7]
requires: [build_definitions, agent_queues]
*/
SELECT
    bd.organization,
    bd.resource_id,
    bd.name AS resource_name,
    bd.project_name,
    bd.id,
    'Build definition "' || bd.name || '" builds pull requests from forks on self-hosted pool "'
        || coalesce(bd.pool_name, q.pool_name, bd.queue_name, '?') || '"' AS message
FROM azure_devops.build_definitions AS bd
LEFT JOIN azure_devops.agent_queues AS q
    ON q.organization = bd.organization AND q.project_id = bd.project_id AND q.id = bd.queue_id
WHERE bd.fork_builds_enabled
  AND NOT coalesce(bd.pool_is_hosted, q.pool_is_hosted, TRUE)
