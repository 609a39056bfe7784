/*
id: sc.global_groups
title: Built-in organization or project group holds a role on a service connection
severity: medium
resource_type: service_connections
description: >
  A built-in group that spans the organization or the project ($global_groups, by name without its
  "[scope]\" prefix) holds the User or Administrator role assigned on a service connection itself (inherited
  project defaults are roles.project_endpoints_defaults's). The broad groups (Contributors, Readers, Project
  Valid Users, Project Collection Valid Users), which the ADO Security Scanner also lists as global groups,
  are reported by sc.broad_group_roles instead, so one grant is reported once. Source: ADO Security Scanner
  CheckGlobalGroupsAddedToServiceConnections (RestrictedGlobalGroupsForSerConn, without its Microsoft-internal
  names); learn.microsoft.com/azure/devops/organizations/security/permissions (built-in groups).
rationale: >
  Membership of these groups is managed for other purposes (administering builds, releases, the project or
  the organization) and changes without regard to this credential; a dedicated group per connection keeps
  who can use it deliberate.
remediation: >
  Project settings > Service connections > the connection > Security: remove the built-in group and grant the
  role to a dedicated group of the connection's owners or users.
anchors:
  adoscanner: [ADO_ServiceConnection_AuthZ_Dont_Allow_Global_Groups]
  owasp: [CICD-SEC-2]
params:
  global_groups: [Project Collection Administrators, Project Collection Build Administrators,
                  Project Collection Service Accounts, Project Collection Proxy Service Accounts,
                  Security Service Group, Project Administrators, Build Administrators, Release Administrators,
                  Endpoint Creators]
  roles: [Administrator, User]
requires: [service_connections, role_assignments]
*/
SELECT sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
       'Service connection "' || sc.name || '" grants a role to built-in groups instead of a dedicated group: '
           || g.grants AS message
FROM azure_devops.service_connections AS sc
JOIN broad_role_grants(['endpoint'], $global_groups, $roles, FALSE) AS g ON g.resource_id_ref = sc.id
