/*
id: roles.project_environments_defaults
title: Project default gives broad groups a role on all environments
severity: high
resource_type: projects
description: >
  The project-level default security of a project's environments (role_assignments kind project_environments, scope distributedtask.globalenvironmentreferencerole) gives a broad group
  ($broad_groups, by name without its "[scope]\" prefix) the User or Administrator role. Every environment of the
  project whose security inheritance is on inherits these roles. Source: REST Security Roles - List on the
  project-level scope; learn.microsoft.com/azure/devops/pipelines/policies/permissions; broader groups and
  roles as in the ADO Security Scanner (ADO.Project CheckBroaderGroupInheritanceSettingsFor*).
rationale: >
  A broad role at project level silently spreads to every existing and future environment, including ones holding
  production credentials, and undoes the per-resource restrictions owners think they have.
remediation: >
  Pipelines > Environments > ... (top right) > Security: remove the broad group or lower it to Reader (Contributors may keep Creator to create new
  ones), and grant roles per resource to dedicated groups.
anchors:
  adoscanner: [ADO_Project_AuthZ_Restrict_Broader_Group_Access_on_Env]
  owasp: [CICD-SEC-2]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
requires: [projects, role_assignments]
*/
SELECT * FROM project_default_broad_roles('project_environments', 'environments', $broad_groups, $roles)
