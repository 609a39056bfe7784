/*
id: path.pipeline_queue_variables_credentials
title: "People who can queue a pipeline set its variables while it uses a wide or production credential"
severity: high
resource_type: build_definitions
description: >
  A person or group that is not an administrator may queue a build definition ("Queue builds", QueueBuilds in the
  Build namespace, as in path_effective_allows) → variables can be set at queue time: neither the project nor the
  organization limits variables settable at queue time (enforceSettableVar off in both: any variable can be set),
  or the definition marks variables "Settable at queue time" (allowOverride) → the pipeline may use a service
  connection whose name looks like production (parameter production_pattern: prod, production, prd) or that is
  scoped to a whole Azure subscription or management group, with no Approval check.
rationale: >
  Queue-time variables reach scripts and task inputs: whoever queues the run can redirect a deployment URL or
  inject commands into a step that holds the production credential, without changing any code under review.
  Sources: learn.microsoft.com/azure/devops/pipelines/security/inputs (limit variables settable at queue time),
  learn.microsoft.com/azure/devops/pipelines/security/resources.
remediation: >
  Project settings > Pipelines > Settings: turn on "Limit variables that can be set at queue time"; clear
  "Settable at queue time" on the definition's variables (use runtime parameters with allowed values); add an
  Approval check to the service connection.
anchors:
  adoscanner: [ADO_Build_SI_Review_Variables_Settable_At_Queue_Time]
  owasp: [CICD-SEC-4, CICD-SEC-1]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
  excluded_groups: [Build Administrators]
requires: [access_control_lists, security_namespaces, effective_group_memberships, groups, build_definitions,
           pipeline_settings, organization_pipeline_settings, release_definitions, pipeline_permissions,
           check_configurations, service_connections, variable_groups]
*/
WITH queuers AS (
    SELECT project_id, definition_id, string_agg(DISTINCT subject_name, ', ') AS names
    FROM path_pipeline_queuers()
    WHERE NOT list_contains($excluded_groups, identity_short_name(subject_name))
    GROUP BY ALL
), settable AS (
    SELECT d.project_id, d.id,
           CASE WHEN NOT coalesce(ps.enforce_settable_var, FALSE) AND NOT path_org_setting('enforceSettableVar')
                THEN 'project ' || d.project_name || ' lets any variable be set at queue time'
                ELSE 'variables settable at queue time: '
                     || (SELECT string_agg(v.variable, ', ' ORDER BY v.variable)
                         FROM definition_variables() AS v
                         WHERE v.resource_type = 'build_definitions' AND v.resource_id = d.resource_id
                           AND v.allow_override) END AS step
    FROM azure_devops.build_definitions AS d
    LEFT JOIN azure_devops.pipeline_settings AS ps ON ps.project_id = d.project_id
), credentials AS (
    SELECT project_id, definition_id,
           array_to_string(list_sort(list_distinct(list(label || CASE WHEN wide_scope IS NOT NULL
                                                                      THEN ', scoped to ' || wide_scope ELSE '' END))),
                           '; ') AS labels
    FROM path_pipeline_secrets()
    WHERE resource_type = 'endpoint' AND NOT has_approval
      AND (wide_scope IS NOT NULL OR regexp_matches(resource_name, $production_pattern))
    GROUP BY ALL
)
SELECT
    d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
    path_message([
              q.names || ' can queue pipeline ' || d.name,
              s.step,
              'it may use ' || c.labels || ', none with an approval check']) AS message
FROM azure_devops.build_definitions AS d
JOIN queuers AS q ON q.project_id = d.project_id AND q.definition_id = d.id
JOIN settable AS s ON s.project_id = d.project_id AND s.id = d.id
JOIN credentials AS c ON c.project_id = d.project_id AND c.definition_id = d.id
WHERE s.step IS NOT NULL
