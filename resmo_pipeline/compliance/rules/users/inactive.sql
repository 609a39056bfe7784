/*
id: users.inactive
title: User has not signed in for a long time
severity: medium
resource_type: user_entitlements
description: >
  A user with an access level has not accessed the organization for $inactive_days days, or never signed in
  although the account was created more than $never_signed_in_days days ago.
rationale: >
  Dormant accounts keep their permissions and licenses; they are a favourite target because nobody notices
  when they are used again.
remediation: >
  Organization settings > Users: remove the user or lower the access level to Stakeholder; for guests,
  remove them from the organization (and the Entra tenant if no longer needed).
anchors:
  adoscanner:
    - ADO_Organization_AuthZ_Review_Inactive_Users
    - ADO_Organization_AuthZ_Remove_Inactive_Guest_Users
  cis: ["1.3.1"]
  owasp: [CICD-SEC-2]
params:
  inactive_days: 90
  never_signed_in_days: 30
  ignored_license_types: []
requires: [user_entitlements]
*/
SELECT
    organization,
    resource_id,
    coalesce(display_name, principal_name) AS resource_name,
    CASE WHEN last_access IS NULL
         THEN coalesce(user_type, 'user') || ' ' || coalesce(principal_name, display_name)
              || ' never signed in (account created ' || days_since(date_created) || ' days ago)'
         ELSE coalesce(user_type, 'user') || ' ' || coalesce(principal_name, display_name)
              || ' last signed in ' || days_since(last_access) || ' days ago'
    END AS message
FROM inactive_users($inactive_days, $never_signed_in_days)
WHERE NOT list_contains($ignored_license_types, coalesce(license_type, ''))
