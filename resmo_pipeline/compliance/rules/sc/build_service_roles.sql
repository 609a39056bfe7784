/*
id: sc.build_service_roles
title: Build service identity holds a role on a service connection
severity: high
resource_type: service_connections
description: >
  A build service identity (a project's "<Project> Build Service (<organization>)", the "Project Collection
  Build Service (<organization>)" or the Project Collection Build Service Accounts group) holds the User or
  Administrator role on a service connection, assigned or inherited. Source: ADO Security Scanner
  CheckBuildServiceAccountAccess (same identities); learn.microsoft.com/azure/devops/pipelines/process/access-tokens
  (every pipeline job of the project runs as its build service identity).
rationale: >
  The build service is the identity of every job in the project; a role granted to it is a role of every
  pipeline, bypassing the per-pipeline authorization of the connection. With Administrator, any pipeline's job
  token can even rewrite the connection.
remediation: >
  Project settings > Service connections > the connection > Security: remove the build service identities;
  authorize individual pipelines under Pipeline permissions instead.
anchors:
  adoscanner: [ADO_ServiceConnection_AuthZ_Dont_Grant_BuildSvcAcct_Permission]
  owasp: [CICD-SEC-2, CICD-SEC-5]
params:
  roles: [Administrator, User]
requires: [service_connections, role_assignments]
*/
SELECT sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
       'Service connection "' || sc.name || '" gives the build service '
           || string_agg(role_holder(r.identity_display_name, r.identity_unique_name) || ' (' || r.role || ', '
                         || coalesce(r.access, 'assigned') || ')', ', ' ORDER BY r.identity_display_name)
           || ': every pipeline job of the project can use it' AS message
FROM azure_devops.service_connections AS sc
JOIN azure_devops.role_assignments AS r ON r.resource_kind = 'endpoint' AND r.resource_id_ref = sc.id
WHERE list_contains($roles, r.role)
  AND is_build_service(coalesce(r.identity_display_name, r.identity_unique_name), sc.organization)
GROUP BY sc.organization, sc.resource_id, sc.name, sc.project_name, sc.id
