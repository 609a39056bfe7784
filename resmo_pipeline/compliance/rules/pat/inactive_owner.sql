/*
id: pat.inactive_owner
title: Personal access token of an inactive or departed user still works
severity: high
resource_type: personal_access_tokens
description: >
  A personal access token that still works belongs to a user who has not signed in for $inactive_days days
  (or never, $never_signed_in_days days after being added), who was deleted from their directory, or who
  no longer has an access level in the organization. Source: the token administration API (SessionToken,
  listed per user) with the User Entitlements API (lastAccessedDate) and Graph Users API
  (isDeletedInOrigin).
rationale: >
  A token keeps working while its owner is away or gone: it is an unmonitored credential, often left in a
  script or a build agent, and exactly what an attacker looks for. A token in use by automation under a
  dormant account is also a hidden service account.
remediation: >
  Organization settings > Users > (the user) > Personal access tokens, or the token administration API:
  revoke the token; replace automation with a service principal or managed identity.
anchors:
  owasp: [CICD-SEC-6]
params:
  inactive_days: 90
  never_signed_in_days: 30
requires: [personal_access_tokens, user_entitlements, users]
*/
WITH owners AS (
    SELECT t.organization, t.resource_id, t.display_name, t.owner, t.days_left,
           account_staleness(e.id IS NOT NULL, u.is_deleted_in_origin, e.last_accessed_date, e.date_created,
                             $inactive_days, $never_signed_in_days) AS why
    FROM active_pats() AS t
    LEFT JOIN azure_devops.user_entitlements AS e ON e.user_descriptor = t.user_descriptor
    LEFT JOIN azure_devops.users AS u ON u.descriptor = t.user_descriptor
)
SELECT
    organization,
    resource_id,
    display_name AS resource_name,
    pat_label(display_name, owner) || ' still works for ' || days_left || ' days although its owner ' || why
        AS message
FROM owners
WHERE why IS NOT NULL
