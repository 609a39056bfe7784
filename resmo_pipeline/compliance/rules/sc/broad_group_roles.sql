/*
id: sc.broad_group_roles
title: Broad group can use or administer a service connection
severity: high
resource_type: service_connections
description: >
  A broad group ($broad_groups, by name without its "[scope]\" prefix) holds the User or Administrator role
  on a service connection itself (roles inherited from the project-level default are judged by
  roles.project_endpoints_defaults). Source: learn.microsoft.com/azure/devops/pipelines/policies/permissions
  (service connection roles: User may use it in pipelines, Administrator may also edit it and its security);
  broader groups and roles as in the ADO Security Scanner (RestrictedBroaderGroupsForSvcConn).
rationale: >
  Anyone in the group can then run the connection's credential from a pipeline of their own (User), or change
  its target, credential and security (Administrator); the connection is effectively shared with the whole
  project or organization.
remediation: >
  Project settings > Service connections > the connection > Security: remove the broad group or lower it to
  Reader, and grant User/Administrator to a small dedicated group.
anchors:
  adoscanner: [ADO_ServiceConnection_AuthZ_Restrict_Broader_Group_Access]
  owasp: [CICD-SEC-2, CICD-SEC-5]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
  include_inherited: false
requires: [service_connections, role_assignments]
*/
SELECT sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
       'Service connection "' || sc.name || '" gives broad groups the role to use or manage it: ' || g.grants AS message
FROM azure_devops.service_connections AS sc
JOIN broad_role_grants(['endpoint'], $broad_groups, $roles, $include_inherited) AS g ON g.resource_id_ref = sc.id
