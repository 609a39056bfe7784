/*
id: users.guests
title: Guest user has access to the organization
severity: medium
resource_type: user_entitlements
description: >
  A user whose Entra ID user type is Guest (user_type guest: a B2B account of another organization) has an
  access level in the organization. Guests whose mail address is in one of the approved partner domains
  (parameter allowed_guest_domains, none by default) are not reported. Inactive guests are also reported by
  users.inactive, guests holding administrator rights by admins.guest_or_inactive. Source: User
  Entitlements API (UserEntitlement.user.metaType / userType) and
  learn.microsoft.com/azure/devops/organizations/accounts/add-external-user.
rationale: >
  Guests are managed by another company's directory: their joiners and leavers, MFA and device policies are
  not yours. Each guest with access should be a deliberate, justified exception that someone reviews.
remediation: >
  Organization settings > Users, filter "User type: Guest": remove guests who no longer need access, lower
  the rest to the access level they need, and add approved partner domains to allowed_guest_domains.
anchors:
  adoscanner: [ADO_Organization_AuthZ_Review_Guest_Members]
  owasp: [CICD-SEC-2]
params:
  allowed_guest_domains: []
requires: [user_entitlements]
*/
SELECT
    organization,
    resource_id,
    coalesce(display_name, principal_name) AS resource_name,
    'Guest ' || coalesce(principal_name, display_name) || ' has ' || coalesce(license_display_name, license_type, 'an')
        || ' access to the organization and '
        || json_array_length(coalesce(project_entitlements, '[]')) || ' project(s); '
        || CASE WHEN last_sign_in(last_accessed_date) IS NULL THEN 'never signed in'
                ELSE 'last signed in ' || days_since(last_sign_in(last_accessed_date)) || ' days ago' END
        AS message
FROM azure_devops.user_entitlements
WHERE lower(user_type) = 'guest'
  AND NOT list_contains($allowed_guest_domains, lower(split_part(coalesce(mail_address, ''), '@', 2)))
