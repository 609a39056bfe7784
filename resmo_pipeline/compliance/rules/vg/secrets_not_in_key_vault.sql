/*
id: vg.secrets_not_in_key_vault
title: Variable group stores secrets itself instead of linking a Key Vault
severity: low
resource_type: variable_groups
description: >
  A variable group that is not linked to an Azure Key Vault (type Vsts) holds secret variables. Source:
  learn.microsoft.com/azure/devops/pipelines/library/link-variable-groups-to-key-vaults; PSRule
  Azure.DevOps.Tasks.VariableGroup.NoKeyVaultNoSecrets; ADO Security Scanner
  ADO_VariableGroup_DP_Store_Secrets_In_KeyVault (a manual control there).
rationale: >
  Secrets typed into Azure DevOps are copies: they are rotated by hand, are not covered by Key Vault access
  policies, network rules and logging, and stay valid in the group after the source changes.
remediation: >
  Move the secrets into an Azure Key Vault and link the variable group to it (Library > the group > "Link
  secrets from an Azure key vault as variables"), then rotate the values that were stored here.
anchors:
  adoscanner: [ADO_VariableGroup_DP_Store_Secrets_In_KeyVault]
  psrule: [Azure.DevOps.Tasks.VariableGroup.NoKeyVaultNoSecrets]
  owasp: [CICD-SEC-6]
requires: [variable_groups]
*/
SELECT organization, resource_id, name AS resource_name, project_name, id,
       'Variable group "' || name || '" stores ' || secret_variable_count
           || ' secret variable(s) itself instead of linking them from a Key Vault' AS message
FROM azure_devops.variable_groups
WHERE coalesce(type, 'Vsts') = 'Vsts'
  AND coalesce(secret_variable_count, 0) > 0
