/*
id: sc.inherited_permissions
title: Service connection inherits the project's service connection roles
severity: medium
resource_type: service_connections
description: >
  A service connection's security has inheritance on: the Security Roles API lists role assignments
  inherited from the project-level service connection default (access "inherited") for it. Source: REST
  Security Roles - List (RoleAssignment.access), scope distributedtask.serviceendpointrole;
  learn.microsoft.com/azure/devops/pipelines/library/service-endpoints.
rationale: >
  With inheritance on, whoever is added at project level (today or later, by any project administrator)
  gets the same role on this credential; turning it off keeps the list of people who can use or change the
  connection explicit and reviewable.
remediation: >
  Project settings > Service connections > the connection > ... > Security: add the owners explicitly, then
  switch Inheritance off.
anchors:
  adoscanner: [ADO_ServiceConnection_AuthZ_Disable_Inherited_Permissions]
  psrule: [Azure.DevOps.ServiceConnections.InheritedPermissions]
  owasp: [CICD-SEC-2]
requires: [service_connections, role_assignments]
*/
SELECT sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
       'Service connection "' || sc.name || '" inherits ' || i.inherited_count
           || ' role assignment(s) from the project: ' || i.inherited AS message
FROM azure_devops.service_connections AS sc
JOIN inherited_role_grants(['endpoint']) AS i ON i.resource_id_ref = sc.id
