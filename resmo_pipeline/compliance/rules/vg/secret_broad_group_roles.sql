/*
id: vg.secret_broad_group_roles
title: Broad group can use or administer a variable group holding secrets
severity: high
resource_type: variable_groups
description: >
  A variable group with at least one secret variable, or linked to an Azure Key Vault, on which a broad group
  ($broad_groups) holds the User or Administrator role itself (inherited roles count only with
  include_inherited). Source: learn.microsoft.com/azure/devops/pipelines/library/variable-groups (secret
  variables, Key Vault linking, security roles); ADO Security Scanner
  RestrictedRolesForBroaderGroupsInVariableGroupContainingSecrets (Administrator, User).
rationale: >
  Every member of the group can then consume the secrets from a pipeline they write, or as Administrator
  replace them, re-link the Key Vault or open the group to all pipelines.
remediation: >
  Pipelines > Library > the variable group > Security: remove the broad group or lower it to Reader; grant
  User only to the identities of the pipelines' owners.
anchors:
  adoscanner: [ADO_VariableGroup_AuthZ_Restrict_Broader_Group_Access_On_VG_With_Secrets]
  owasp: [CICD-SEC-2, CICD-SEC-6]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
  include_inherited: false
requires: [variable_groups, role_assignments]
*/
SELECT vg.organization, vg.resource_id, vg.name AS resource_name, vg.project_name, vg.id,
       'Variable group "' || vg.name || '" holds secrets ('
           || CASE WHEN vg.type = 'AzureKeyVault' THEN 'Key Vault ' || coalesce(vg.key_vault_name, '?')
                   ELSE vg.secret_variable_count || ' secret variable(s)' END
           || ') and broad groups may use or edit it: ' || g.grants AS message
FROM azure_devops.variable_groups AS vg
JOIN broad_role_grants(['variablegroup'], $broad_groups, $roles, $include_inherited) AS g
    ON g.resource_id_ref = CAST(vg.id AS VARCHAR)
WHERE coalesce(vg.secret_variable_count, 0) > 0 OR vg.type = 'AzureKeyVault'
