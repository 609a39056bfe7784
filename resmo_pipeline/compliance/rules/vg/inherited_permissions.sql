/*
id: vg.inherited_permissions
title: Variable group inherits the project's Library roles
severity: medium
resource_type: variable_groups
description: >
  A variable group's security has inheritance on: the Security Roles API lists role assignments inherited
  from the project's Library default (access "inherited") for it. Source: REST Security Roles - List
  (RoleAssignment.access), scope distributedtask.variablegroup;
  learn.microsoft.com/azure/devops/pipelines/library/variable-groups (Library security and per-group
  security).
rationale: >
  Everyone given a role on the whole Library (now or later) gets it on this group too, including who may
  edit its variables; an explicit list keeps changes to what pipelines consume under control.
remediation: >
  Pipelines > Library > the variable group > Security: add the owners explicitly, then switch Inheritance off.
anchors:
  adoscanner: [ADO_VariableGroup_AuthZ_Disable_Inherited_Permissions]
  psrule: [Azure.DevOps.Tasks.VariableGroup.InheritedPermissions]
  owasp: [CICD-SEC-2]
requires: [variable_groups, role_assignments]
*/
SELECT vg.organization, vg.resource_id, vg.name AS resource_name, vg.project_name, vg.id,
       'Variable group "' || vg.name || '" inherits ' || i.inherited_count
           || ' role assignment(s) from the Library: ' || i.inherited AS message
FROM azure_devops.variable_groups AS vg
JOIN inherited_role_grants(['variablegroup']) AS i ON i.resource_id_ref = CAST(vg.id AS VARCHAR)
