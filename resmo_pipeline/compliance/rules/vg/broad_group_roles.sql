/*
id: vg.broad_group_roles
title: Broad group can use or administer a variable group
severity: medium
resource_type: variable_groups
description: >
  A broad group ($broad_groups, by name without its "[scope]\" prefix) holds the User or Administrator role
  on a variable group itself (roles inherited from the project's Library default are judged by
  roles.project_library_defaults; groups holding secrets by vg.secret_broad_group_roles as well).
  Source: learn.microsoft.com/azure/devops/pipelines/library/variable-groups
  (User: use the group in pipelines; Administrator: also edit its variables and security); broader groups
  and roles as in the ADO Security Scanner (RestrictedBroaderGroupsForVariableGroup).
rationale: >
  Administrator lets every member of the group change the variables a release or build consumes (a URL, a
  feature switch, a package source), which quietly changes what production runs.
remediation: >
  Pipelines > Library > the variable group > Security: remove the broad group or lower it to Reader, and give
  User/Administrator to a small dedicated group.
anchors:
  adoscanner: [ADO_VariableGroup_AuthZ_Restrict_Broader_Group_Access]
  owasp: [CICD-SEC-2]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
  include_inherited: false
requires: [variable_groups, role_assignments]
*/
SELECT vg.organization, vg.resource_id, vg.name AS resource_name, vg.project_name, vg.id,
       'Variable group "' || vg.name || '" lets broad groups use or edit it: ' || g.grants AS message
FROM azure_devops.variable_groups AS vg
JOIN broad_role_grants(['variablegroup'], $broad_groups, $roles, $include_inherited) AS g
    ON g.resource_id_ref = CAST(vg.id AS VARCHAR)
