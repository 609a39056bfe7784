/*
id: pipeline.implied_yaml_ci_trigger
title: YAML pipelines without a trigger run on every push
severity: medium
resource_type: pipeline_settings
description: >
  A project does not turn on "Disable implied YAML CI trigger" (disableImpliedYAMLCiTrigger): a YAML
  pipeline whose file has no `trigger:` section runs for pushes to every branch of its repository. Source:
  learn.microsoft.com/azure/devops/pipelines/repos/azure-repos-git#ci-triggers (implied CI trigger) and
  Project settings > Pipelines > Settings.
rationale: >
  With the implied trigger, anyone who can push any branch runs the pipeline with its protected resources,
  even when its authors never meant it to run on CI; explicit triggers make the branches a deliberate choice.
remediation: >
  Project settings > Pipelines > Settings: turn on "Disable implied YAML CI trigger", and give the pipelines
  that need CI an explicit `trigger:` with protected branches.
anchors:
  owasp: [CICD-SEC-4]
requires: [pipeline_settings]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'Project "' || project_name || '" runs YAML pipelines without a trigger section on pushes to every branch'
        AS message
FROM azure_devops.pipeline_settings
WHERE NOT coalesce(disable_implied_yaml_ci_trigger, FALSE)
