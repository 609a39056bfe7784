/*
id: yaml.deploy_ignores_failures
title: Deployment runs even when earlier stages or jobs failed
severity: medium
resource_type: build_definitions
description: >
  A deployment job of a YAML pipeline, or the stage holding it, has a condition that holds after a failure
  of what it depends on: `always()`, `succeededOrFailed()` or `not(canceled())` (alone or inside and/or).
  Rollback jobs conditioned on `failed()` are not flagged.
rationale: >
  A stage's or job's default condition is succeeded(): it runs only when its dependencies passed, which is
  what makes the tests, scans and approvals before it a gate. always() and succeededOrFailed() remove that
  gate, so a build whose tests or security scans failed is still deployed. Source:
  learn.microsoft.com/azure/devops/pipelines/process/conditions.
remediation: >
  Drop the condition (the default succeeded() applies) or combine your own test with succeeded(), e.g.
  `condition: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))`.
anchors:
  owasp: [CICD-SEC-1]
params:
  ignores_failure_pattern: '(?i)\b(always|succeededOrFailed)\s*\(\s*\)|\bnot\s*\(\s*canceled\s*\(\s*\)\s*\)'
requires: [pipeline_yaml_elements]
*/
WITH deployments AS (
    SELECT j.*, s.condition AS stage_condition, s.location AS stage_location
    FROM azure_devops.pipeline_yaml_elements AS j
    LEFT JOIN azure_devops.pipeline_yaml_elements AS s
        ON s.project_id = j.project_id AND s.definition_id = j.definition_id AND s.kind = 'stage'
       AND s.name = j.stage
    WHERE j.kind = 'job' AND j.value = 'deployment'
), hits AS (
    SELECT * EXCLUDE (stage_condition, stage_location),
           location || ' (deployment "' || coalesce(name, '?') || '"' || CASE
               WHEN regexp_matches(coalesce(condition, ''), $ignores_failure_pattern)
                   THEN ' condition: ' || condition
               ELSE ' in stage "' || stage || '" at ' || stage_location || ' condition: ' || stage_condition
           END || ')' AS detail
    FROM deployments
    WHERE regexp_matches(coalesce(condition, ''), $ignores_failure_pattern)
       OR regexp_matches(coalesce(stage_condition, ''), $ignores_failure_pattern)
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" deploys even when what it depends on failed: '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
