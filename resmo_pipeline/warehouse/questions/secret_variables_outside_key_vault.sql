-- Variable groups holding secrets that are not linked to a Key Vault.
-- Secrets typed into Azure DevOps are rotated by hand and readable by every pipeline allowed to use the group.
SELECT organization, project_name, name, secret_variable_count, variable_count, is_shared, modified_by
FROM azure_devops.variable_groups
WHERE secret_variable_count > 0 AND key_vault_name IS NULL
ORDER BY secret_variable_count DESC, organization, name
