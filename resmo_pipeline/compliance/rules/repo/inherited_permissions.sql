/*
id: repo.inherited_permissions
title: Repository inherits the project's repository permissions
severity: low
resource_type: repositories
description: >
  An active repository's access control list (token repoV2/<project>/<repository> in the Git Repositories
  namespace) still inherits permissions from the project level: no list for the token has inheritPermissions
  false, so everyone granted rights on "All repositories" of the project has them on this repository too.
  Source: learn.microsoft.com/azure/devops/organizations/security/about-permissions#inheritance-and-security-groups
  and REST Access Control Lists (AccessControlList.inheritPermissions).
rationale: >
  Switching inheritance off lets a sensitive repository (infrastructure, pipeline templates, release code) grant
  only the few groups that need it, instead of every group granted on all repositories of the project.
remediation: >
  Project settings > Repositories > the repository > Security: turn "Inheritance" off and grant the groups that
  need access explicitly (review Contributors and the build service in particular).
anchors:
  adoscanner: [ADO_Repository_AuthZ_Disable_Inherited_Permissions]
  psrule: [Azure.DevOps.Repos.InheritedPermissions]
  owasp: [CICD-SEC-2]
params: {}
requires: [repositories, access_control_lists]
*/
SELECT r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url,
       'Repository "' || r.name || '" inherits the permissions granted on all repositories of project "'
           || r.project_name || '"' AS message
FROM active_repositories('permissionsMid') AS r
WHERE NOT EXISTS (
    SELECT 1 FROM git_acl_entries() AS a
    WHERE a.level = 'repository' AND a.token_repository_id = r.id AND NOT coalesce(a.inherit_permissions, TRUE)
)
