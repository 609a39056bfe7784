/*
id: build.oauth_token_access
title: Build scripts get the pipeline's OAuth token
severity: medium
resource_type: build_definitions
description: >
  A classic build definition has an agent job with "Allow scripts to access the OAuth token"
  (process.phases[].target.allowScriptsAuthAccessOption true), or a step of a YAML pipeline's file (as read)
  maps $(System.AccessToken) into its environment (env) or task inputs (a value matching parameter
  oauth_pattern). Sources: ADO Security
  Scanner CheckAccessToOAuthToken (Build); learn.microsoft.com/azure/devops/pipelines/build/variables#systemaccesstoken.
rationale: >
  The job token can call the Azure DevOps REST API as the build service; any script or third-party task of
  the job can read it and use it to read code, queue pipelines or change work items.
remediation: >
  Classic: Edit the pipeline > the agent job > Additional options: clear "Allow scripts to access the OAuth
  token". YAML: pass $(System.AccessToken) only to the steps that need it, or not at all.
anchors:
  adoscanner: [ADO_Build_AuthZ_Restrict_Access_To_OAuth_Token_For_Agent_Jobs]
  owasp: [CICD-SEC-5, CICD-SEC-6]
params:
  oauth_pattern: '(?i)\$\(\s*System\.AccessToken\s*\)'
requires: [build_definitions, pipeline_yaml_elements]
*/
WITH classic AS (
    SELECT d.organization, d.resource_id, d.name, d.project_name, d.id,
           'agent jobs ' || string_agg(p.phase ->> 'name', ', ') || ' allow scripts to access the OAuth token' AS issue
    FROM azure_devops.build_definitions AS d,
         unnest(CAST(coalesce(d.raw -> '$.process.phases', '[]') AS JSON[])) AS p(phase)
    WHERE json_flag(p.phase -> 'target', 'allowScriptsAuthAccessOption')
    GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.id
),
yaml AS (
    SELECT d.organization, d.resource_id, d.name, d.project_name, d.id,
           'steps ' || string_agg(DISTINCT e.location, ', ') || ' get $(System.AccessToken)' AS issue
    FROM azure_devops.build_definitions AS d
    JOIN azure_devops.pipeline_yaml_elements AS e ON e.project_id = d.project_id AND e.definition_id = d.id
    WHERE e.kind IN ('script', 'task')
      AND EXISTS (SELECT 1 FROM json_each(coalesce(e.env, '{}')) AS v WHERE regexp_matches(v.value ->> '$', $oauth_pattern)
                  UNION ALL
                  SELECT 1 FROM json_each(coalesce(e.parameters, '{}')) AS v
                  WHERE regexp_matches(v.value ->> '$', $oauth_pattern))
    GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.id
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '": ' || string_agg(issue, '; ') AS message
FROM (SELECT * FROM classic UNION ALL SELECT * FROM yaml)
GROUP BY organization, resource_id, name, project_name, id
