/*
id: yaml.pipeline_trigger_any_branch
title: Pipeline is triggered by another pipeline's runs on any branch
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline declares a pipeline resource (resources.pipelines) whose completion trigger has no branch
  filter: `trigger: true`, or a trigger without `branches:`, or an include filter of `*`. Every completed run
  of the source pipeline, on any branch, then starts this pipeline with that run's artifacts.
rationale: >
  The source pipeline also runs for feature branches and pull requests, whose code nobody has reviewed yet;
  with an unfiltered trigger those runs start this pipeline (often a deployment) and hand it their
  artifacts, so unreviewed code reaches the stages behind it. A source in another project widens who can
  cause that. Source: learn.microsoft.com/azure/devops/pipelines/yaml-schema/resources-pipelines-pipeline-trigger
  ("true to include all branches") and learn.microsoft.com/azure/devops/pipelines/process/pipeline-triggers.
remediation: >
  Filter the trigger to the protected branch (`trigger: branches: include: [main]`, maybe `stages:`), set
  `branch:` for the default artifact version, and protect the consuming environment with a Branch control
  check.
anchors:
  owasp: [CICD-SEC-4, CICD-SEC-1]
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT *, location || ' (' || coalesce(name, '?') || ': source pipeline "' || coalesce(value, '?') || '"'
               || coalesce(' in project "' || source_project || '"', '') || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'pipeline_resource'
      AND list_has_any(CAST(trigger_branches AS VARCHAR[]), ['*', 'refs/heads/*'])
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" starts on completed runs of any branch of '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
