/*
id: env.broad_group_roles
title: Broad group can use or administer an environment
severity: high
resource_type: environments
description: >
  A broad group ($broad_groups, by name without its "[scope]\" prefix) holds the User or Administrator role
  on an environment itself (roles inherited from the project's Environments default are judged by
  roles.project_environments_defaults). Source:
  learn.microsoft.com/azure/devops/pipelines/process/environments (User: deploy to it from a
  pipeline; Administrator: also manage its resources, approvals and checks, and security); broader groups
  and roles as in the ADO Security Scanner (RestrictedBroaderGroupsForEnvironment).
rationale: >
  Administrator lets any member remove the environment's approvals and checks before deploying; User lets
  them target it from pipelines they author.
remediation: >
  Pipelines > Environments > the environment > ... > Security: remove the broad group or lower it to Reader.
anchors:
  adoscanner: [ADO_Environment_AuthZ_Restrict_Broader_Group_Access]
  owasp: [CICD-SEC-1, CICD-SEC-2]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  roles: [Administrator, User]
  include_inherited: false
requires: [environments, role_assignments]
*/
SELECT e.organization, e.resource_id, e.name AS resource_name, e.project_name, e.id,
       'Environment "' || e.name || '" can be deployed to or reconfigured by broad groups: ' || g.grants AS message
FROM azure_devops.environments AS e
JOIN broad_role_grants(['environment'], $broad_groups, $roles, $include_inherited) AS g ON g.resource_key = e.resource_id
