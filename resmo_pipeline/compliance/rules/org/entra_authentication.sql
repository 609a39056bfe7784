/*
id: org.entra_authentication
title: Users do not authenticate with Microsoft Entra ID
severity: high
resource_type: organization_entra_connection
description: >
  The organization is not connected to a Microsoft Entra ID tenant, or (when it is) a user still signs in
  with a personal Microsoft account (origin msa) rather than an identity of the tenant. Source: the
  organization's Microsoft Entra ID settings page (tenant connection) and
  learn.microsoft.com/azure/devops/organizations/accounts/connect-organization-to-azure-ad; Graph Users API
  (GraphUser.origin).
rationale: >
  Only Entra ID identities are covered by the company's MFA, Conditional Access, joiner/leaver process and
  sign-in logs; without the connection there is also no audit log. Personal Microsoft accounts are managed by
  nobody but their owner.
remediation: >
  Organization settings > Microsoft Entra ID: connect the organization to the company tenant; map or remove
  users who still use personal Microsoft accounts (Organization settings > Users).
anchors:
  adoscanner: [ADO_Organization_AuthN_Use_AAD_Auth]
  owasp: [CICD-SEC-2]
requires: [organization_entra_connection, users]
*/
SELECT
    organization,
    resource_id,
    'Microsoft Entra ID connection' AS resource_name,
    'organization_entra_connection' AS resource_type,
    organization_url(organization) || '/_settings/organizationAad' AS url,
    'The organization is not connected to a Microsoft Entra ID tenant: users sign in with Microsoft accounts'
        AS message
FROM azure_devops.organization_entra_connection
WHERE NOT coalesce(is_entra_backed, FALSE)
UNION ALL
SELECT
    u.organization,
    u.resource_id,
    coalesce(u.display_name, u.principal_name) AS resource_name,
    'users' AS resource_type,
    NULL AS url,
    'User ' || coalesce(u.principal_name, u.display_name) || ' signs in with a personal Microsoft account, not an '
        || 'identity of the Entra ID tenant ' || coalesce(c.tenant_display_name, c.tenant_domain, c.tenant_id, '')
        AS message
FROM azure_devops.users AS u
JOIN azure_devops.organization_entra_connection AS c ON coalesce(c.is_entra_backed, FALSE)
WHERE u.origin = 'msa'
