/*
id: users.disconnected
title: User was deleted from its directory but still exists in the organization
severity: medium
resource_type: users
description: >
  A user account (Entra ID or Microsoft account) is marked deleted in its origin directory
  (isDeletedInOrigin) yet is still a user of the organization. Build and service identities are not
  checked. Source: Graph Users API (GraphUser.isDeletedInOrigin) and
  learn.microsoft.com/azure/devops/organizations/accounts/connect-organization-to-azure-ad (disconnected users).
rationale: >
  The account's owner has left or the account was removed on purpose, but its group memberships,
  permissions, access level and personal access tokens stay in Azure DevOps until someone removes them.
remediation: >
  Organization settings > Microsoft Entra ID: resolve the disconnected users (map them to their new account)
  or remove them under Organization settings > Users.
anchors:
  adoscanner: [ADO_Organization_AuthZ_Remove_Disconnected_Accounts]
  owasp: [CICD-SEC-2]
params:
  human_kinds: [aad, msa]
requires: [users]
*/
SELECT
    organization,
    resource_id,
    coalesce(display_name, principal_name) AS resource_name,
    'User ' || coalesce(principal_name, display_name) || ' was deleted from '
        || CASE origin WHEN 'aad' THEN 'Microsoft Entra ID' WHEN 'msa' THEN 'Microsoft accounts'
                       ELSE 'its directory' END
        || ' but is still a user of the organization' AS message
FROM azure_devops.users
WHERE coalesce(is_deleted_in_origin, FALSE)
  AND list_contains($human_kinds, user_kind)
