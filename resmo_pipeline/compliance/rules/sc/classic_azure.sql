/*
id: sc.classic_azure
title: Classic Azure (service management) service connection
severity: high
resource_type: service_connections
description: A service connection of the classic type "azure" (Azure Classic / service management certificates).
rationale: >
  Classic connections use management certificates with subscription-wide co-administrator rights and
  cannot use Entra ID roles or workload identity federation.
remediation: >
  Replace it with an Azure Resource Manager connection using workload identity federation and a
  resource-group scoped role, then delete the classic connection.
anchors:
  adoscanner: [ADO_ServiceConnection_AuthZ_Dont_Use_Classic_Connections]
  defender: ["DfC DevOps #10: Azure DevOps service connections should not use classic Azure connections"]
  owasp: [CICD-SEC-6]
requires: [service_connections]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Service connection "' || name || '" is a classic Azure (service management) connection' AS message
FROM azure_devops.service_connections
WHERE lower(type) = 'azure'
