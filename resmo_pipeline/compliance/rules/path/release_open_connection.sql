/*
id: path.release_open_connection
title: Production release stage deploys with a service connection every pipeline may use
severity: high
resource_type: release_definitions
description: >
  Attack path, three steps: (1) a stage of a classic release pipeline whose name looks like production runs
  a task whose input names a service connection (its id); (2) that service connection is open to all
  pipelines of its project (pipeline permissions: allPipelines.authorized); (3) so any pipeline of that project
  — including one a contributor creates or edits on an unprotected branch — can use the same credential
  without the stage's approvals, gates or branch filters. The message says how many build pipelines the
  project holds.
rationale: >
  The approvals on a release stage protect a deployment, not its credential: when the credential is open to
  every pipeline, anyone who can run or edit a pipeline deploys to production with it directly. Source:
  learn.microsoft.com/azure/devops/pipelines/security/resources (open access on protected resources);
  learn.microsoft.com/azure/devops/pipelines/library/service-endpoints (pipeline permissions); REST Release
  Definitions (deployPhases[].workflowTasks[].inputs).
remediation: >
  Project settings > Service connections > the connection > Security > Pipeline permissions: remove "Open
  access" and authorize only the pipelines that need it; add an Approval or Branch control check on the
  connection itself.
anchors:
  adoscanner:
    - ADO_ServiceConnection_AuthZ_Dont_Grant_All_Pipelines_Access
  owasp: [CICD-SEC-5, CICD-SEC-2]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
requires: [release_definitions, service_connections, pipeline_permissions, build_definitions]
*/
WITH used AS (
    SELECT DISTINCT d.organization, d.resource_id, d.name, d.project_name, d.project_id, d.id,
           d.stage ->> 'name' AS stage, i.value AS endpoint_id
    FROM release_stages() AS d,
         unnest(CAST(d.stage -> 'deployPhases' AS JSON[])) AS p(phase),
         unnest(CAST(phase -> 'workflowTasks' AS JSON[])) AS t(task),
         json_each(task -> 'inputs') AS i
    WHERE NOT coalesce(d.deleted, FALSE)
      AND regexp_matches(d.stage ->> 'name', $production_pattern)
      AND coalesce(TRY_CAST(task ->> 'enabled' AS BOOLEAN), TRUE)
), open AS (
    SELECT u.*, sc.name AS connection, o.project_name AS open_in,
           (SELECT count(*) FROM azure_devops.build_definitions AS b WHERE b.project_id = o.project_id)
               AS pipelines
    FROM used AS u
    JOIN azure_devops.service_connections AS sc ON lower(sc.id) = lower(u.endpoint_id ->> '$')
    JOIN open_to_all_pipelines(['endpoint']) AS o ON lower(o.resource_id_ref) = lower(sc.id)
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Release definition "' || name || '": '
        || string_agg('stage "' || stage || '" deploys with service connection ' || connection
                      || ' → ' || connection || ' is open to all pipelines of ' || open_in
                      || ' → any of its ' || pipelines || ' build pipelines, or a new one, can use it without the '
                      || 'stage''s approvals', '; ' ORDER BY stage, connection, open_in) AS message
FROM open
GROUP BY organization, resource_id, name, project_name, id
