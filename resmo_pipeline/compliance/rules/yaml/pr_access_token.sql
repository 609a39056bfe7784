/*
id: yaml.pr_access_token
title: Pull-request runs hand the job's access token to scripts
severity: high
resource_type: build_definitions
description: >
  A YAML pipeline that runs for pull requests (an enabled Build validation branch policy names it, or it has a
  pull-request trigger) gives a script or task the job's OAuth token: a step's env maps $(System.AccessToken)
  (usually as SYSTEM_ACCESSTOKEN), or a script writes $(System.AccessToken) into its text.
rationale: >
  In a pull-request run the scripts, build files and often the YAML itself come from the pull request's
  branch, so whoever opens the pull request decides what runs with that token; it acts as the project's build
  service and can push to branches the author may not push to, queue pipelines, read other repositories or
  publish packages. Scripts see System.AccessToken only when it is mapped explicitly, so this mapping is the
  exposure. Source: learn.microsoft.com/azure/devops/pipelines/build/variables#systemaccesstoken and
  learn.microsoft.com/azure/devops/pipelines/security/repos (pull requests run untrusted code).
remediation: >
  Remove the token from steps that run in pull-request runs: move the step into a pipeline or stage that only
  runs on the protected branch (`condition: ne(variables['Build.Reason'], 'PullRequest')`), or use a narrowly
  scoped service connection; keep "Limit job authorization scope" on so the token reaches only this project.
anchors:
  owasp: [CICD-SEC-4, CICD-SEC-6]
params:
  token_pattern: '(?i)\$\(\s*System\.AccessToken\s*\)|variables\[\s*''System\.AccessToken''\s*\]|variables\.System\.AccessToken'
requires: [pipeline_yaml_elements, policy_configurations, build_definitions]
*/
WITH exposures AS (
    SELECT e.*, e.location || ' (env ' || v.key || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements AS e, json_each(e.env) AS v
    WHERE e.kind IN ('script', 'task')
      AND regexp_matches(coalesce(v.value ->> '$', ''), $token_pattern)
    UNION ALL
    SELECT e.*, e.location || ' (in the script)'
    FROM azure_devops.pipeline_yaml_elements AS e
    WHERE e.kind = 'script'
      AND regexp_matches(coalesce(e.value, ''), $token_pattern)
), hits AS (
    SELECT x.*, p.how
    FROM exposures AS x
    JOIN yaml_pr_pipelines() AS p ON p.project_id = x.project_id AND p.definition_id = x.definition_id
)
SELECT f.* EXCLUDE (details),
       'Pipeline "' || f.resource_name || '" runs for pull requests (' || p.how
           || ') and gives scripts the job''s access token at ' || array_to_string(f.details, ', ') AS message
FROM yaml_pipeline_findings(hits) AS f
JOIN yaml_pr_pipelines() AS p ON f.resource_id = p.project_id || '/' || CAST(p.definition_id AS VARCHAR)
