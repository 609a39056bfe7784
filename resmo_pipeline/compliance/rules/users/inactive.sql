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
WITH users AS (
    SELECT *,
           CASE WHEN last_accessed_date < TIMESTAMP '1900-01-02' THEN NULL ELSE last_accessed_date END AS last_access,
           CAST(current_timestamp AT TIME ZONE 'UTC' AS TIMESTAMP) AS now_utc
    FROM azure_devops.user_entitlements
    WHERE organization = $organization
      AND NOT list_contains($ignored_license_types, coalesce(license_type, ''))
)
SELECT
    organization,
    resource_id,
    coalesce(display_name, principal_name) AS resource_name,
    CASE WHEN last_access IS NULL
         THEN coalesce(user_type, 'user') || ' ' || coalesce(principal_name, display_name)
              || ' never signed in (account created ' || date_diff('day', date_created, now_utc) || ' days ago)'
         ELSE coalesce(user_type, 'user') || ' ' || coalesce(principal_name, display_name)
              || ' last signed in ' || date_diff('day', last_access, now_utc) || ' days ago'
    END AS message
FROM users
WHERE (last_access IS NOT NULL AND last_access < now_utc - to_days($inactive_days))
   OR (last_access IS NULL AND date_created < now_utc - to_days($never_signed_in_days))
