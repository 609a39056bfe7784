/*
id: pipeline.broadly_editable_variable_group
title: Pipeline links a variable group that broad groups may edit
severity: high
resource_type: build_definitions
description: >
  A build definition, or a release definition or one of its stages, links a variable group on which one of
  the broad groups ($broad_groups) holds a role of $editing_roles (assigned on the group or inherited from
  the project's Library), i.e. may change its variables. Sources: ADO Security Scanner
  CheckVariableGroupEditPermission; learn.microsoft.com/azure/devops/pipelines/library/#library-security
  (Administrator can edit the variable group); REST Security Roles (distributedtask.variablegroup).
rationale: >
  Variable values flow into scripts and task inputs; whoever can edit the group can redirect a deployment or
  inject commands into every pipeline that links it, without permission to edit those pipelines.
remediation: >
  Pipelines > Library > the variable group > Security: give the broad groups the Reader (or User) role only,
  and Administrator to the group's owners.
anchors:
  adoscanner:
    - ADO_Build_SI_Dont_Use_Broadly_Editable_Variable_Group
    - ADO_Release_SI_Dont_Use_Broadly_Editable_Variable_Group
  owasp: [CICD-SEC-4]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  editing_roles: [Administrator]
requires: [build_definitions, release_definitions, variable_groups, role_assignments]
*/
WITH editable AS (
    SELECT resource_id_ref AS variable_group_id, project_id,
           string_agg(DISTINCT identity_short_name(identity_unique_name) || ' ' || role, ', ') AS editors
    FROM azure_devops.role_assignments
    WHERE resource_kind = 'variablegroup'
      AND list_contains($broad_groups, identity_short_name(identity_unique_name))
      AND list_contains($editing_roles, role)
    GROUP BY resource_id_ref, project_id
)
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.resource_type,
    d.id,
    CASE d.resource_type WHEN 'build_definitions' THEN 'Build' ELSE 'Release' END || ' definition "' || d.name
        || '" links variable groups that broad groups may edit: '
        || string_agg(DISTINCT coalesce(g.name, d.variable_group_id) || ' (' || e.editors || ')', '; ') AS message
FROM definition_variable_groups() AS d
JOIN editable AS e ON e.variable_group_id = d.variable_group_id AND e.project_id = d.project_id
LEFT JOIN azure_devops.variable_groups AS g ON CAST(g.id AS VARCHAR) = d.variable_group_id
GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.resource_type, d.id
