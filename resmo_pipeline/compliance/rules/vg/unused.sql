/*
id: vg.unused
title: Variable group is not used by any pipeline
severity: low
resource_type: variable_groups
description: >
  A variable group that no pipeline can use: it is neither open to all pipelines nor authorized for any
  pipeline (Pipeline permissions, which every YAML pipeline using it needs), no build or release definition
  (or release stage) links it, and it was not changed for $inactive_days days. Source: REST Pipeline
  Permissions (allPipelines, pipelines[]), Build and Release Definitions (variableGroups); the ADO Security
  Scanner's own fallback when it has no usage telemetry (CheckInactiveVarGrp: a group not accessible to any
  pipeline fails).
rationale: >
  Unused variable groups still hold values and secrets (or a Key Vault link) that anyone with a role on them
  can read or reuse; deleting them shrinks what a compromised account can reach.
remediation: >
  Confirm with the owner, then delete the variable group (Pipelines > Library > the group > Delete) and
  revoke any secrets it held.
anchors:
  adoscanner: [ADO_VariableGroup_DP_Review_Inactive_VariableGroup]
  owasp: [CICD-SEC-6]
params:
  inactive_days: 180
requires: [variable_groups, pipeline_permissions, build_definitions, release_definitions]
*/
SELECT vg.organization, vg.resource_id, vg.name AS resource_name, vg.project_name, vg.id,
       'Variable group "' || vg.name || '" is not authorized for or linked by any pipeline and was last changed '
           || days_since(coalesce(vg.modified_on, vg.created_on)) || ' days ago' AS message
FROM azure_devops.variable_groups AS vg
WHERE older_than_days(coalesce(vg.modified_on, vg.created_on), $inactive_days)
  AND CAST(vg.id AS VARCHAR) NOT IN (SELECT resource_id_ref FROM pipeline_authorized_resources(['variablegroup']))
  AND NOT EXISTS (SELECT 1 FROM definition_variable_groups() AS d
                  WHERE d.variable_group_id = CAST(vg.id AS VARCHAR))
