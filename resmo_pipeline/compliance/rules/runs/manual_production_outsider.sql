/*
id: runs.manual_production_outsider
title: Production pipeline was run manually by someone outside the project
severity: medium
resource_type: build_definitions
description: >
  In the last $window_days days, a build definition that deploys to a production environment (it has an
  environment deployment record on an environment whose name looks like production, parameter
  production_pattern) had a run queued
  manually (reason manual) by a user who is not a member, directly or through nested groups, of any group of
  that project (e.g. an organization administrator acting through Project Collection groups or a direct
  permission). Runs of requesters the inventory does not know as users are not judged. Sources: REST Builds -
  List (reason, requestedBy.uniqueName); REST Environments - Environment Deployment Records (definition);
  Graph memberships.
rationale: >
  People outside the project do not own its pipelines; a manual production run from such an account is
  either an emergency that should be documented or a misused privileged account.
remediation: >
  Ask the requester why they ran the pipeline; if it was not expected, review what the run deployed and the
  account's access. Limit "Queue builds" on production pipelines to the project's release group.
anchors:
  owasp: [CICD-SEC-2, CICD-SEC-10]
params:
  window_days: 90
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
requires: [build_definitions, pipeline_runs, environment_deployments, users, effective_group_memberships, groups]
*/
WITH production AS (
    SELECT DISTINCT project_id, definition_id
    FROM azure_devops.environment_deployments
    WHERE regexp_matches(environment_name, $production_pattern)
),
outsider_runs AS (
    SELECT r.project_id, r.definition_id, r.build_number, u.display_name AS requester
    FROM azure_devops.pipeline_runs AS r
    JOIN production AS p ON p.project_id = r.project_id AND p.definition_id = r.definition_id
    JOIN azure_devops.users AS u ON lower(u.principal_name) = lower(r.raw ->> '$.requestedBy.uniqueName')
    WHERE r.reason = 'manual'
      AND NOT older_than_days(r.queue_time, $window_days)
      AND NOT EXISTS (
          SELECT 1
          FROM azure_devops.effective_group_memberships AS m
          JOIN azure_devops.groups AS g ON g.descriptor = m.group_descriptor
          WHERE m.member_descriptor = u.descriptor AND g.project_id = r.project_id)
)
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.id,
    'Production pipeline "' || d.name || '" was run manually by people outside project "' || d.project_name
        || '": ' || string_agg(DISTINCT o.requester || ' (run ' || o.build_number || ')', ', ') AS message
FROM azure_devops.build_definitions AS d
JOIN outsider_runs AS o ON o.project_id = d.project_id AND o.definition_id = d.id
GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.id
