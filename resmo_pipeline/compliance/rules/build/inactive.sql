/*
id: build.inactive
title: Build pipeline has not run for a long time
severity: low
resource_type: build_definitions
description: >
  A build definition has no run queued in the last $inactive_days days, or has never run although it was
  created more than $inactive_days days ago. The last run is the definition's latestBuild (when the
  definitions API returned it) or the newest collected run (pipeline_runs.queue_time). A definition without
  latestBuild is judged only once the collected run history (its oldest run) reaches back $inactive_days days:
  the first sync reads only the last 30 days (RESMO_PIPELINE_RUNS_DAYS), later syncs add what finishes.
  Sources: ADO Security Scanner CheckForInactiveBuilds (latestBuild.queueTime, BuildHistoryPeriodInDays 180);
  REST Build Definitions (BuildDefinition.latestBuild) and Builds - List (queueTime).
rationale: >
  An unused pipeline keeps its permissions, service connections and triggers; nobody watches it, so it is an
  easy place to hide a change. Deleting it shrinks the attack surface.
remediation: >
  Confirm with the owner that it is no longer needed, then delete the pipeline (or disable it: Settings >
  Processing of new run requests > Disabled).
anchors:
  adoscanner: [ADO_Build_DP_Review_Inactive_Build]
  owasp: [CICD-SEC-7]
params:
  inactive_days: 180
requires: [build_definitions, pipeline_runs]
*/

WITH last_run AS (
    SELECT project_id, definition_id, max(queue_time) AS queued
    FROM azure_devops.pipeline_runs
    GROUP BY project_id, definition_id
),
history AS (
    SELECT min(queue_time) AS since FROM azure_devops.pipeline_runs
),
activity AS (
    SELECT d.*, TRY_CAST(d.raw ->> '$.latestBuild.queueTime' AS TIMESTAMP) AS latest_build,
           greatest(TRY_CAST(d.raw ->> '$.latestBuild.queueTime' AS TIMESTAMP), r.queued) AS last_queued,
           older_than_days(h.since, $inactive_days) AS history_covers
    FROM azure_devops.build_definitions AS d
    LEFT JOIN last_run AS r ON r.project_id = d.project_id AND r.definition_id = d.id
    CROSS JOIN history AS h
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '" '
        || CASE WHEN last_queued IS NULL THEN 'has not run in the collected history (created '
                                              || days_since(created_date) || ' days ago)'
                ELSE 'last ran ' || days_since(last_queued) || ' days ago' END AS message
FROM activity
WHERE (latest_build IS NOT NULL OR history_covers)
  AND is_inactive(last_queued, coalesce(created_date, TIMESTAMP '1970-01-01'), $inactive_days, $inactive_days)
