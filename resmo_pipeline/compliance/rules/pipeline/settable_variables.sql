/*
id: pipeline.settable_variables
title: Variables can be overridden at queue time
severity: high
resource_type: pipeline_settings
description: >
  A project does not limit variables that can be set at queue time (enforceSettableVar), or a build or
  release definition lets a variable holding a URL or a secret-looking value be overridden when a run is
  queued (allowOverride).
rationale: >
  Whoever can queue a run can redirect a deployment URL or inject values into scripts (command injection)
  when variables are settable at queue time.
remediation: >
  Project settings > Pipelines > Settings: turn on "Limit variables that can be set at queue time"; in the
  definitions clear "Settable at queue time" (allowOverride) on URL and credential variables.
anchors:
  adoscanner:
    - ADO_Project_SI_Limit_Variables_Settable_At_Queue_Time
    - ADO_Organization_SI_Limit_Variables_Settable_At_Queue_Time
    - ADO_Build_SI_Review_URL_Variables_Settable_At_Queue_Time
    - ADO_Release_SI_Review_URL_Variables_Settable_At_Release_Time
  maester: [AZDO.1015]
  owasp: [CICD-SEC-4]
params:
  risky_value_pattern: '(?i)^\s*(https?|ftp|ssh)://'
  risky_name_pattern: '(?i)(url|uri|endpoint|host|password|passwd|pwd|secret|token|apikey|api_key|connectionstring|credential)'
requires: [pipeline_settings, build_definitions, release_definitions]
*/
WITH settable AS (
    SELECT resource_type, organization, resource_id, name, project_name, id, variable, value
    FROM definition_variables()
    WHERE allow_override
)
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'pipeline_settings' AS resource_type,
    NULL AS id,
    'Project "' || project_name || '" does not limit variables that can be set at queue time' AS message
FROM azure_devops.pipeline_settings
WHERE NOT coalesce(enforce_settable_var, FALSE)
UNION ALL
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    resource_type,
    id,
    replace(resource_type, '_definitions', '') || ' definition "' || name
        || '" lets these variables be overridden at queue time: '
        || string_agg(variable, ', ' ORDER BY variable) AS message
FROM settable
WHERE regexp_matches(coalesce(value, ''), $risky_value_pattern)
   OR regexp_matches(variable, $risky_name_pattern)
GROUP BY organization, resource_id, name, project_name, resource_type, id
