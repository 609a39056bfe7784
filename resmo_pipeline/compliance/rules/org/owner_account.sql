/*
id: org.owner_account
title: The organization owner is a personal, guest, inactive or deleted account
severity: medium
resource_type: organizations
description: >
  The organization owner (the account that always holds full administrative rights, whatever its group
  memberships, and can delete the organization) is a guest, has not signed in for $inactive_days days, was
  deleted from its directory, no longer is a user of the organization, or is a person's everyday account
  rather than a dedicated administration account: its principal name does not match the pattern
  $dedicated_account_pattern (by default Maester's: adm, admin, btg, svc or service). Nothing is checked when
  the owner cannot be read (the accounts API needs a token valid for all organizations). Source: accounts API
  (Account.accountOwner) and learn.microsoft.com/azure/devops/organizations/accounts/change-organization-ownership.
rationale: >
  The owner has every permission regardless of group membership. A personal account leaves with its person
  and is used for day-to-day work (phishing, token theft); a guest or deleted account is managed outside the
  company.
remediation: >
  Organization settings > Overview > Owner: transfer ownership to a dedicated, monitored administration (or
  break-glass) account of the company tenant; set dedicated_account_pattern to your naming convention.
anchors:
  maester: [AZDO.1013]
  owasp: [CICD-SEC-2]
params:
  dedicated_account_pattern: '(?i)(adm|admin|btg|svc|service)'
  inactive_days: 90
  never_signed_in_days: 30
requires: [organizations, user_entitlements, users]
*/
WITH owner AS (
    SELECT o.organization, o.resource_id,
           coalesce(e.display_name, o.owner) AS owner_name,
           coalesce(e.principal_name, e.mail_address, o.owner) AS owner_principal,
           concat_ws(', ',
                     account_staleness(e.id IS NOT NULL, u.is_deleted_in_origin, e.last_accessed_date,
                                       e.date_created, $inactive_days, $never_signed_in_days),
                     CASE WHEN lower(e.user_type) = 'guest' THEN 'is a guest' END,
                     CASE WHEN e.id IS NOT NULL
                               AND NOT regexp_matches(coalesce(e.principal_name, e.mail_address, ''),
                                                      $dedicated_account_pattern)
                          THEN 'is a personal account, not a dedicated administration account' END) AS why
    FROM azure_devops.organizations AS o
    LEFT JOIN azure_devops.user_entitlements AS e ON e.id = o.owner
    LEFT JOIN azure_devops.users AS u ON u.descriptor = e.user_descriptor
    WHERE o.owner IS NOT NULL
)
SELECT
    organization,
    resource_id,
    owner_name AS resource_name,
    'The organization owner ' || owner_principal || ' ' || why AS message
FROM owner
WHERE why <> ''
