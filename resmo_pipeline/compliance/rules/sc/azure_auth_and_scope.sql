/*
id: sc.azure_auth_and_scope
title: Azure service connection uses a client secret or a too-wide scope
severity: high
resource_type: service_connections
description: >
  An Azure Resource Manager service connection authenticates with a service principal client secret
  (authenticationType spnKey) instead of workload identity federation or a certificate, or is scoped to a
  whole subscription or management group rather than a resource group.
rationale: >
  A client secret is a long-lived credential that can be copied and used outside Azure DevOps; a
  subscription-wide role lets one pipeline change everything in the subscription.
remediation: >
  Convert the connection to workload identity federation (service connection > Convert) and scope its role
  assignment to the resource groups it deploys to.
anchors:
  adoscanner:
    - ADO_ServiceConnection_AuthN_Use_Cert_Auth_for_SPN
    - ADO_ServiceConnection_AuthZ_Use_Least_Privilege_Access
    - ADO_ServiceConnection_AuthN_Use_Secure_Auth_Method
  owasp: [CICD-SEC-6]
params:
  secret_authentication_types: [spnKey]
  broad_scope_levels: [Subscription, ManagementGroup]
requires: [service_connections]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Azure service connection "' || name || '" '
        || concat_ws(' and ',
                     CASE WHEN list_contains($secret_authentication_types, authentication_type)
                          THEN 'authenticates with a client secret' END,
                     CASE WHEN list_contains($broad_scope_levels, scope_level)
                               AND coalesce(authorization_scope, '') NOT ILIKE '%/resourcegroups/%'
                          THEN 'is scoped to a whole '
                               || CASE scope_level WHEN 'ManagementGroup' THEN 'management group'
                                                   ELSE lower(scope_level) END END) AS message
FROM azure_devops.service_connections
WHERE lower(type) = 'azurerm'
  AND (list_contains($secret_authentication_types, authentication_type)
       OR (list_contains($broad_scope_levels, scope_level)
           AND coalesce(authorization_scope, '') NOT ILIKE '%/resourcegroups/%'))
