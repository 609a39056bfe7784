/*
id: pat.expiring_soon
title: Personal access token expires within days
severity: low
resource_type: personal_access_tokens
description: >
  A personal access token that still works expires within $expiry_days days (the ADO Security Scanner fails
  tokens that expire within 7 days). Source: the token administration API (SessionToken.validTo).
rationale: >
  A token about to expire is either still needed, and then it is usually extended in a hurry with the same
  broad scopes and a long lifetime, or no longer needed, and then it should be revoked now rather than left
  working. Reviewing it before it lapses is the moment to shorten its scopes or replace it.
remediation: >
  User settings > Personal access tokens: revoke the token if it is no longer used; otherwise regenerate it
  with the minimal scopes and a short expiry, and update where it is stored.
anchors:
  adoscanner: [ADO_User_AuthZ_Review_Token_Expiration]
  owasp: [CICD-SEC-6]
params:
  expiry_days: 7
requires: [personal_access_tokens]
*/
SELECT
    organization,
    resource_id,
    display_name AS resource_name,
    pat_label(display_name, owner) || ' expires in ' || days_left || ' day(s), on '
        || strftime(expires_at, '%Y-%m-%d') || ': revoke it or renew it with minimal scopes' AS message
FROM active_pats()
WHERE days_left <= $expiry_days
