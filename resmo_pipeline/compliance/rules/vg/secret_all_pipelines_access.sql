/*
id: vg.secret_all_pipelines_access
title: Variable group with secrets is authorized for all pipelines
severity: high
resource_type: variable_groups
description: >
  A variable group holding at least one secret variable (or linked to an Azure Key Vault) is open to every
  pipeline of a project.
rationale: >
  Any pipeline in the project, including one created from a feature branch, can read the secrets and send
  them anywhere; access to secrets should be granted per pipeline.
remediation: >
  Pipelines > Library > the variable group > Pipeline permissions: turn off open access and authorize only
  the pipelines that need the secrets.
anchors:
  adoscanner: [ADO_VariableGroup_AuthZ_Dont_Grant_All_Pipelines_Access_On_VG_With_Secrets]
  defender: ["DfC DevOps #9: Azure DevOps variable groups with secret variables should not grant access to all pipelines"]
  owasp: [CICD-SEC-5, CICD-SEC-6]
requires: [variable_groups, pipeline_permissions]
*/
SELECT
    vg.organization,
    vg.resource_id,
    vg.name AS resource_name,
    vg.project_name,
    vg.id,
    'Variable group "' || vg.name || '" ('
        || CASE WHEN vg.type = 'AzureKeyVault' THEN 'linked to Key Vault ' || coalesce(vg.key_vault_name, '?')
                ELSE coalesce(vg.secret_variable_count, 0) || ' secret variable(s)' END
        || ') is authorized for all pipelines in '
        || string_agg(DISTINCT coalesce(pp.project_name, pp.project_id), ', ' ORDER BY coalesce(pp.project_name, pp.project_id))
        AS message
FROM azure_devops.variable_groups AS vg
JOIN open_to_all_pipelines(['variablegroup']) AS pp
    ON pp.resource_id_ref = CAST(vg.id AS VARCHAR)
WHERE (coalesce(vg.secret_variable_count, 0) > 0 OR vg.type = 'AzureKeyVault')
GROUP BY vg.organization, vg.resource_id, vg.name, vg.project_name, vg.id, vg.type, vg.key_vault_name,
    vg.secret_variable_count
