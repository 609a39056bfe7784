/*
id: yaml.pr_self_hosted
title: Pull-request runs use self-hosted agents
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline that runs for pull requests (an enabled Build validation branch policy names it, or it has a
  pull-request trigger) has a job on a self-hosted agent pool: the job's or its stage's `pool`, else the
  pipeline's top-level `pool`, else the definition's default agent pool, resolved through the project's agent
  queues. Pull requests from forks on self-hosted pools are build.fork_on_self_hosted.
rationale: >
  A pull-request run executes code from the pull request's branch. On a self-hosted agent that code runs on a
  machine that keeps its files, tool caches and credentials between jobs and sits in the organization's
  network, so a contributor's pull request can plant files or hooks that later release builds pick up, or
  reach internal systems (poutine's pr_runs_on_self_hosted; OWASP CICD-SEC-4 and CICD-SEC-7).
  Source: learn.microsoft.com/azure/devops/pipelines/security/misc and
  learn.microsoft.com/azure/devops/pipelines/agents/agents#self-hosted-agents.
remediation: >
  Run pull-request validation on Microsoft-hosted agents (`pool: vmImage: ubuntu-latest`) or on ephemeral
  self-hosted agents (scale-set agents that are reimaged after each job), and keep self-hosted pools for
  runs of the protected branch.
anchors:
  owasp: [CICD-SEC-4, CICD-SEC-7]
requires: [pipeline_yaml_elements, policy_configurations, build_definitions, agent_queues]
*/
WITH hits AS (
    SELECT j.*, j.location || ' (' || yaml_job_label(j.job) || ' on pool "' || j.pool || '")' AS detail
    FROM yaml_jobs() AS j
    JOIN yaml_pr_pipelines() AS p ON p.project_id = j.project_id AND p.definition_id = j.definition_id
    WHERE j.self_hosted
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" runs pull-request code on self-hosted agents: '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
