/*
id: sc.disallowed_environment
title: Azure service connection targets a cloud outside the allowed ones
severity: medium
resource_type: service_connections
description: >
  An Azure Resource Manager or classic Azure service connection targets an Azure cloud (data.environment:
  AzureCloud, AzureChinaCloud, AzureUSGovernment, AzureGermanCloud, AzureStack) that is not in
  $allowed_environments. Source: REST Service Endpoints (ServiceEndpoint.data.environment); ADO Security
  Scanner CheckRestricedCloudEnvironment (a configured list of disallowed environments; here the list of
  allowed ones, so that an unexpected cloud also stands out).
rationale: >
  Deployments into a sovereign or private cloud the organization does not govern break data-residency
  commitments and escape the monitoring and policies set up for the allowed clouds.
remediation: >
  Remove the connection if the target cloud is not sanctioned, or, if it is, add it to $allowed_environments
  (rule parameters) after review.
anchors:
  adoscanner: [ADO_ServiceConnection_Cannot_Use_Disallowed_Environment]
  owasp: [CICD-SEC-7]
params:
  allowed_environments: [AzureCloud]
requires: [service_connections]
*/
SELECT organization, resource_id, name AS resource_name, project_name, id,
       'Azure service connection "' || name || '" targets the ' || azure_environment
           || ' cloud, which is not an allowed environment' AS message
FROM azure_devops.service_connections
WHERE lower(type) IN ('azurerm', 'azure')
  AND azure_environment IS NOT NULL
  AND NOT list_contains($allowed_environments, azure_environment)
