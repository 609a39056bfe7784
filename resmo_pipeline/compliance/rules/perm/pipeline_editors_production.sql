/*
id: perm.pipeline_editors_production
title: Identities that are not administrators may edit a pipeline that uses a production service connection
severity: high
resource_type: build_definitions
description: >
  A build pipeline may use a service connection whose name looks like production (parameter production_pattern:
  prod, production or prd as a word; the connection is open to all pipelines of the project or authorized for
  this one, path_pipeline_secrets()), and an identity named in the access control lists that is not an
  administrator of the project (not in privileged_groups() of the organization or of the pipeline's project,
  directly or through nested groups) and not one of $excluded_groups is allowed "Edit build pipeline"
  (EditBuildDefinition) on the pipeline, by azure_devops.effective_object_permissions (its closest entry on the
  pipeline, its folders or the project's pipelines). Approval checks on the connection are not considered here:
  path.pipeline_edit_secrets reports the editors of pipelines whose credentials have none. Source:
  learn.microsoft.com/azure/devops/pipelines/policies/permissions#pipeline-permissions ("Edit build pipeline")
  and learn.microsoft.com/azure/devops/pipelines/security/resources (pipeline permissions of service
  connections).
rationale: >
  Editing the pipeline changes what runs with the production connection: the steps of a classic pipeline, the
  variables, the YAML file, branch and triggers of a YAML pipeline. The people who may do that are, in effect,
  the people who may deploy to production; it should be the pipeline's owners, not every contributor.
remediation: >
  Pipelines > the pipeline > ... > Manage security: set "Edit build pipeline" to "Not set" or Deny for the groups
  and users named (at the level the message says it comes from, e.g. the project's pipelines), and keep it for
  the team that owns the deployment; add an Approval check to the connection.
anchors:
  owasp: [CICD-SEC-2, CICD-SEC-6]
params:
  excluded_groups: [Build Administrators]
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
requires: [build_definitions, effective_permissions, permission_objects, groups, projects, effective_group_memberships,
           pipeline_permissions, check_configurations, service_connections, variable_groups]
*/
WITH production AS (
    SELECT project_id, definition_id, array_to_string(list_sort(list_distinct(list(resource_name))), ', ') AS names
    FROM path_pipeline_secrets()
    WHERE is_service_connection AND regexp_matches(resource_name, $production_pattern)
    GROUP BY ALL
), editors AS (
    SELECT o.object_id AS definition_id, list(perm_grant(o.identity_name, o.permission, o.via)) AS grants
    FROM azure_devops.effective_object_permissions AS o
    WHERE o.namespace = 'Build' AND o.resource_type = 'build_definition' AND o.permission_name = 'EditBuildDefinition'
      AND NOT list_contains($excluded_groups, identity_short_name(o.identity_name))
      AND perm_outsider_allow(o.decision, o.identity_descriptor, o.project_name)
    GROUP BY o.object_id
)
SELECT d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
       'Pipeline "' || d.name || '" may use production service connection ' || s.names
           || ', and identities that are not administrators may edit it: ' || perm_grant_list(e.grants) AS message
FROM azure_devops.build_definitions AS d
JOIN production AS s ON s.project_id = d.project_id AND s.definition_id = d.id
JOIN editors AS e ON e.definition_id = CAST(d.id AS VARCHAR)
