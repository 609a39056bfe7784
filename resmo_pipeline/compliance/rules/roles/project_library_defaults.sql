/*
id: roles.project_library_defaults
title: Project default gives broad groups a role on the whole Library
severity: high
resource_type: projects
description: >
  The project-level default security of a project's variable groups and secure files (role_assignments kind project_library, scope distributedtask.library) gives a broad group
  ($broad_groups, by name without its "[scope]\" prefix) the User or Administrator role. Every variable group and secure file of the
  project whose security inheritance is on inherits these roles. Source: REST Security Roles - List on the
  project-level scope; learn.microsoft.com/azure/devops/pipelines/policies/permissions; broader groups and
  roles as in the ADO Security Scanner (ADO.Project CheckBroaderGroupInheritanceSettingsFor*).
rationale: >
  A broad role at project level silently spreads to every existing and future variable group and secure file, including ones holding
  production credentials, and undoes the per-resource restrictions owners think they have.
remediation: >
  Pipelines > Library > Security: remove the broad group or lower it to Reader (Contributors may keep Creator to create new
  ones), and grant roles per resource to dedicated groups.
anchors:
  adoscanner: [ADO_Project_AuthZ_Restrict_Broader_Group_Access_on_VarGrp, ADO_Project_AuthZ_Restrict_Broader_Group_Access_on_SecureFile]
  owasp: [CICD-SEC-2]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
requires: [projects, role_assignments]
*/
SELECT * FROM project_default_broad_roles('project_library', 'variable groups and secure files', $broad_groups, $roles)
