/*
id: yaml.self_hosted_workspace
title: Jobs on self-hosted agents keep the previous run's workspace
severity: low
resource_type: build_definitions
description: >
  A job of a YAML pipeline runs on a self-hosted agent pool (resolved as in yaml.pr_self_hosted) and neither
  the job nor the pipeline sets `workspace: clean: all` or `clean: resources`, so the agent reuses the
  pipeline's working directory, sources included, from whatever ran there before.
rationale: >
  A self-hosted agent keeps the workspace between runs by default. Files left by an earlier run, e.g. a
  pull-request run or a compromised dependency (git hooks in .git/hooks, a poisoned node_modules or build
  cache, a modified tool in the binaries folder), are then executed by later runs, including releases with
  production credentials. `clean: true` on checkout only runs git clean / reset and leaves .git intact.
  Source: learn.microsoft.com/azure/devops/pipelines/process/phases#workspace and
  learn.microsoft.com/azure/devops/pipelines/yaml-schema/workspace.
remediation: >
  Add `workspace: clean: all` to the job (or the pipeline), or use ephemeral agents (scale-set agents with
  "tear down after each use").
anchors:
  owasp: [CICD-SEC-7]
requires: [pipeline_yaml_elements, build_definitions, agent_queues]
*/
WITH hits AS (
    SELECT *, location || ' (' || yaml_job_label(job) || ' on pool "' || pool || '")' AS detail
    FROM yaml_jobs()
    WHERE self_hosted
      AND lower(coalesce(clean, '')) NOT IN ('all', 'resources')
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" reuses the workspace of earlier runs on self-hosted agents: '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
