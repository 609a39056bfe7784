/*
id: path.pipeline_edit_secrets
title: "People who are not administrators can edit a pipeline that gets credentials without approval"
severity: high
resource_type: build_definitions
description: >
  A person or group that is not an administrator (not one of privileged_groups(), not in $excluded_groups) is
  allowed "Edit build pipeline" (EditBuildDefinition, Build namespace, on the project, a folder or the definition,
  with inheritance and denies as in path_effective_allows) → the pipeline may use a service connection, a secure
  file or a variable group with secret or Key Vault variables (open to all pipelines, or authorized for it) → that
  resource has no Approval check (for a YAML pipeline, also no Branch control and no Required template check).
  Service connections scoped to a whole subscription or management group are named as the last step.
rationale: >
  Editing the pipeline changes what runs with its credentials: the steps of a classic pipeline, the variables, the
  YAML file and branch of a YAML pipeline. Only a check on the resource, which the pipeline's editor cannot
  change, stops that code from using the secret. Sources:
  learn.microsoft.com/azure/devops/pipelines/security/resources,
  learn.microsoft.com/azure/devops/pipelines/policies/permissions (Edit build pipeline),
  learn.microsoft.com/azure/devops/pipelines/process/approvals.
remediation: >
  Pipelines > the pipeline > ... > Manage security: deny "Edit build pipeline" to Contributors (keep it for a
  small group), and add an Approval check to the resource (Approvals and checks), or Branch control for YAML
  pipelines; stop granting the resource to all pipelines.
anchors:
  owasp: [CICD-SEC-2, CICD-SEC-5]
params:
  excluded_groups: [Build Administrators]
requires: [access_control_lists, security_namespaces, effective_group_memberships, groups, build_definitions,
           pipeline_permissions, check_configurations, service_connections, variable_groups]
*/
WITH editors AS (
    SELECT project_id, definition_id, array_to_string(list_sort(list_distinct(list(subject_name))), ', ') AS names
    FROM path_pipeline_editors()
    WHERE NOT list_contains($excluded_groups, identity_short_name(subject_name))
    GROUP BY ALL
)
SELECT
    d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
    path_message([
              path_edit_step(e.names, d.name, d.process_type, d.repository_name),
              'it may use ' || s.labels
                  || CASE WHEN d.process_type = 1 THEN ', none with an approval check'
                          ELSE ', none with an approval, branch control or required template check' END,
              s.wide]) AS message
FROM azure_devops.build_definitions AS d
JOIN editors AS e ON e.project_id = d.project_id AND e.definition_id = d.id
JOIN path_secret_summary(coalesce(d.process_type, 2) = 1) AS s ON s.project_id = d.project_id AND s.definition_id = d.id
