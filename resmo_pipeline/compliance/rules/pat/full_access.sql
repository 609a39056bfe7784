/*
id: pat.full_access
title: Personal access token has full access
severity: high
resource_type: personal_access_tokens
description: >
  A personal access token that still works (valid and not expired) was created with the "Full access" scope
  (scope app_token) instead of custom-defined scopes. Tokens that were revoked or have expired are not
  checked. Source: learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate
  (scopes) and the token administration API (SessionToken.scope).
rationale: >
  A full-access token can do everything its owner can, in every project and service (code, pipelines, service
  connections, permissions); whoever obtains it acts as the user until it expires. Tokens should carry only
  the scopes the task needs.
remediation: >
  User settings > Personal access tokens: revoke the token and create one with only the scopes needed (e.g.
  Code (Read)); organization administrators can revoke it under Organization settings > Users > Personal
  access tokens, and a tenant policy can forbid full-scope tokens.
anchors:
  adoscanner: [ADO_User_AuthZ_PAT_Min_Access]
  owasp: [CICD-SEC-6]
requires: [personal_access_tokens]
*/
SELECT
    organization,
    resource_id,
    display_name AS resource_name,
    pat_label(display_name, owner) || ' has full access (all scopes) and is valid for ' || days_left
        || ' more days' AS message
FROM active_pats()
WHERE coalesce(is_full_access, FALSE)
