/*
id: runs.failing_definition
title: Pipeline keeps failing
severity: low
resource_type: build_definitions
description: >
  A build definition's most recent completed run (not canceled) failed, and it has had no successful (or
  partially successful) run for $failing_days days. Only collected runs are seen. Source: REST Builds - List
  (status, result, finishTime).
rationale: >
  A pipeline that has been broken for days is not delivering fixes (including security fixes) and tends to
  be "fixed" under pressure by relaxing checks; it is also a sign of an abandoned pipeline that still holds
  permissions.
remediation: >
  Look at the failed runs (Pipelines > the pipeline > Runs), fix or disable the pipeline, and make sure
  someone owns it.
anchors:
  owasp: [CICD-SEC-10]
params:
  failing_days: 7
requires: [build_definitions, pipeline_runs]
*/
WITH runs AS (
    SELECT project_id, definition_id,
           arg_max(result, finish_time) AS last_result,
           max(finish_time) FILTER (WHERE result IN ('succeeded', 'partiallySucceeded')) AS last_success,
           max(finish_time) AS last_finish
    FROM azure_devops.pipeline_runs
    WHERE status = 'completed' AND result <> 'canceled'
    GROUP BY project_id, definition_id
)
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.id,
    'Build definition "' || d.name || '" last failed ' || days_since(r.last_finish) || ' days ago and '
        || CASE WHEN r.last_success IS NULL THEN 'has no successful run'
                ELSE 'last succeeded ' || days_since(r.last_success) || ' days ago' END AS message
FROM azure_devops.build_definitions AS d
JOIN runs AS r ON r.project_id = d.project_id AND r.definition_id = d.id
WHERE r.last_result = 'failed'
  AND (r.last_success IS NULL OR older_than_days(r.last_success, $failing_days))
