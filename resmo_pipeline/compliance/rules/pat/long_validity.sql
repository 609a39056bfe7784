/*
id: pat.long_validity
title: Personal access token is valid for too long
severity: medium
resource_type: personal_access_tokens
description: >
  A personal access token that still works has a validity period (from its valid-from to its expiry date) longer than
  $max_validity_days days (the ADO Security Scanner's limit is 180 days). Source: the token administration API
  (SessionToken.validFrom, validTo);
  learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate.
rationale: >
  A token is a bearer secret: the longer it lives, the longer a copy left in a script, a CI variable or a laptop keeps
  working after it leaks.
remediation: >
  User settings > Personal access tokens: revoke the token and create one with a short expiry (30-90 days), or replace
  it with a workload identity / service principal; a tenant policy can cap the lifespan.
anchors:
  adoscanner: [ADO_User_AuthZ_Minimal_Token_Validity]
  owasp: [CICD-SEC-6]
params:
  max_validity_days: 180
requires: [personal_access_tokens]
*/
SELECT
    organization,
    resource_id,
    display_name AS resource_name,
    pat_label(display_name, owner) || ' is valid for ' || validity_days || ' days (more than '
        || $max_validity_days || '), until ' || strftime(expires_at, '%Y-%m-%d') AS message
FROM active_pats()
WHERE validity_days > $max_validity_days
