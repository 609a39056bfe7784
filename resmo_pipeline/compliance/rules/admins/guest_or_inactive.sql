/*
id: admins.guest_or_inactive
title: Guest or inactive user holds administrator rights
severity: high
resource_type: user_entitlements
description: >
  A guest user, or a user who has not signed in for $inactive_days days, is a member (directly or through
  nested groups) of Project Collection Administrators, Project Collection Build Administrators, the service
  account groups or a project's Project Administrators.
rationale: >
  Administrators can change every security setting; guest and dormant accounts are less protected and less
  watched, so they should never hold these rights.
remediation: >
  Remove the user from the administrator group (or from the nested group that grants it); use a dedicated,
  active admin account instead.
anchors:
  adoscanner:
    - ADO_Organization_AuthZ_Revoke_Admin_Access_for_Guest_Users
    - ADO_Organization_AuthZ_Revoke_Admin_Access_for_Inactive_Users
    - ADO_Project_AuthZ_Revoke_Admin_Access_for_Guest_Users
    - ADO_Project_AuthZ_Revoke_Admin_Access_for_Inactive_Users
  owasp: [CICD-SEC-2]
params:
  inactive_days: 90
  never_signed_in_days: 30
requires: [user_entitlements, groups, effective_group_memberships]
*/
WITH admin_groups AS (
    SELECT descriptor, group_name FROM privileged_groups()
), flagged AS (
    SELECT u.*,
           concat_ws(' and ',
                     CASE WHEN lower(u.user_type) = 'guest' THEN 'a guest' END,
                     CASE WHEN is_inactive(last_sign_in(u.last_accessed_date), u.date_created,
                                           $inactive_days, $never_signed_in_days)
                          THEN 'inactive' END) AS why
    FROM azure_devops.user_entitlements AS u
)
SELECT
    f.organization,
    f.resource_id,
    coalesce(f.display_name, f.principal_name) AS resource_name,
    coalesce(f.principal_name, f.display_name) || ' is ' || f.why || ' and an administrator through '
        || string_agg(DISTINCT g.group_name, ', ' ORDER BY g.group_name) AS message
FROM flagged AS f
JOIN azure_devops.effective_group_memberships AS m
    ON m.organization = f.organization AND m.member_descriptor = f.user_descriptor
JOIN admin_groups AS g ON g.descriptor = m.group_descriptor
WHERE f.why <> ''
GROUP BY f.organization, f.resource_id, f.display_name, f.principal_name, f.why
