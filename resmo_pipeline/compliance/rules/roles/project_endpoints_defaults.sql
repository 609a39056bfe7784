/*
id: roles.project_endpoints_defaults
title: Project default gives broad groups a role on all service connections
severity: high
resource_type: projects
description: >
  The project-level default security of a project's service connections (role_assignments kind project_endpoints, scope distributedtask.project.serviceendpointrole) gives a broad group
  ($broad_groups, by name without its "[scope]\" prefix) the User or Administrator role. Every service connection of the
  project whose security inheritance is on inherits these roles. Source: REST Security Roles - List on the
  project-level scope; learn.microsoft.com/azure/devops/pipelines/policies/permissions; broader groups and
  roles as in the ADO Security Scanner (ADO.Project CheckBroaderGroupInheritanceSettingsFor*).
rationale: >
  A broad role at project level silently spreads to every existing and future service connection, including ones holding
  production credentials, and undoes the per-resource restrictions owners think they have.
remediation: >
  Project settings > Service connections > ... (top right) > Security: remove the broad group or lower it to Reader (Contributors may keep Creator to create new
  ones), and grant roles per resource to dedicated groups.
anchors:
  adoscanner: [ADO_Project_AuthZ_Restrict_Broader_Group_Access_on_SvcConn]
  owasp: [CICD-SEC-2]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
requires: [projects, role_assignments]
*/
SELECT * FROM project_default_broad_roles('project_endpoints', 'service connections', $broad_groups, $roles)
