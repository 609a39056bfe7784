/*
id: pat.all_organizations
title: Personal access token is valid for all organizations
severity: medium
resource_type: personal_access_tokens
description: >
  A personal access token that still works was created for "All accessible organizations" (its
  targetAccounts is empty) instead of this one organization. Source: the token administration API
  (SessionToken.targetAccounts: null = every organization the user can access);
  learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate.
rationale: >
  A global token reaches every organization its owner belongs to, including ones outside this
  organization's governance: one leak exposes all of them.
remediation: >
  User settings > Personal access tokens: revoke the token and create it for a single organization; the
  tenant policy "Restrict global personal access token creation" prevents new ones.
anchors:
  adoscanner: [ADO_User_AuthZ_Dont_Use_All_Orgs_PAT]
  owasp: [CICD-SEC-6]
requires: [personal_access_tokens]
*/
SELECT
    organization,
    resource_id,
    display_name AS resource_name,
    pat_label(display_name, owner) || ' is valid for all organizations the user can access, not only '
        || organization AS message
FROM active_pats()
WHERE coalesce(is_all_organizations, target_accounts IS NULL)
