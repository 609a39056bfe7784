/*
id: runs.queue_time_overrides
title: Runs were queued with variables overridden
severity: medium
resource_type: build_definitions
description: >
  In the last $window_days days, a run of the build definition was queued with queue-time variable values
  (the run's parameters: a JSON object of variable names and values set by whoever queued it). The message
  names the variables and who set them; $ignored_variables (debug switches) are not counted. Source: REST
  Builds - Get (Build.parameters).
rationale: >
  Overriding variables at queue time changes what a pipeline does without changing its reviewed definition
  or YAML (e.g. a deployment URL or a script argument); such runs deserve a look, especially on deployment
  pipelines.
remediation: >
  Check with the people named that the overrides were intended; clear "Settable at queue time" on variables
  that should not change and turn on the project setting "Limit variables that can be set at queue time".
anchors:
  owasp: [CICD-SEC-4]
params:
  window_days: 30
  ignored_variables: [system.debug]
requires: [build_definitions, pipeline_runs]
*/
WITH overrides AS (
    SELECT r.project_id, r.definition_id, r.requested_by, k.key AS variable
    FROM azure_devops.pipeline_runs AS r,
         json_each(TRY_CAST(nullif(r.raw ->> 'parameters', '') AS JSON)) AS k
    WHERE NOT older_than_days(r.queue_time, $window_days)
      AND NOT list_contains($ignored_variables, lower(k.key))
)
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.id,
    'Build definition "' || d.name || '" had runs queued with overridden variables: '
        || string_agg(DISTINCT o.variable || ' (by ' || coalesce(o.requested_by, '?') || ')', ', ') AS message
FROM azure_devops.build_definitions AS d
JOIN overrides AS o ON o.project_id = d.project_id AND o.definition_id = d.id
GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.id
