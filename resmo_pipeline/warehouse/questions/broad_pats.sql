-- Personal access tokens with full scope or valid in all organizations.
-- A leaked full-scope PAT is its owner, everywhere; an all-organizations PAT also reaches organizations this
-- installation does not watch.
SELECT organization, display_name AS token, user_principal_name AS owner, scope, is_full_access,
       is_all_organizations, expires_at
FROM azure_devops.personal_access_tokens
WHERE is_valid AND (is_full_access OR is_all_organizations)
ORDER BY organization, owner, token
