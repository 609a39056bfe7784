/*
id: groups.service_principal_admins
title: A service principal holds administrator rights
severity: medium
resource_type: service_principals
description: >
  An Entra ID service principal or managed identity (aadsp descriptor) is a member, directly or through
  nested groups, of Project Collection Administrators, Project Collection Build Administrators or a
  project's Project Administrators. The service account groups, where such identities belong, are not
  counted. Source: Graph Service Principals and Memberships APIs;
  learn.microsoft.com/azure/devops/integrate/get-started/authentication/service-principal-managed-identity
  (grant a service principal only the permissions it needs).
rationale: >
  Whoever holds the application's secret or certificate, or controls the workload behind the managed
  identity, becomes an administrator: it bypasses MFA and Conditional Access for users, and nobody signs in
  interactively to notice.
remediation: >
  Organization or Project settings > Permissions: remove the service principal from the administrator group
  and grant it the specific permissions its automation needs (e.g. Reader plus the permissions of one
  project).
anchors:
  owasp: [CICD-SEC-2]
params:
  principal_kinds: [aadsp]
requires: [groups, effective_group_memberships, service_principals]
*/
SELECT
    sp.organization,
    sp.resource_id,
    sp.display_name AS resource_name,
    'Service principal ' || sp.display_name || ' (application ' || coalesce(sp.application_id, '?') || ') is an '
        || 'administrator through ' || string_agg(DISTINCT g.group_name, ', ' ORDER BY g.group_name) AS message
FROM azure_devops.service_principals AS sp
JOIN azure_devops.effective_group_memberships AS m
    ON m.member_descriptor = sp.descriptor AND list_contains($principal_kinds, m.member_kind)
JOIN privileged_groups() AS g ON g.descriptor = m.group_descriptor
WHERE NOT coalesce(g.is_service_accounts, FALSE) AND NOT coalesce(g.is_build_service_accounts, FALSE)
GROUP BY sp.organization, sp.resource_id, sp.display_name, sp.application_id
