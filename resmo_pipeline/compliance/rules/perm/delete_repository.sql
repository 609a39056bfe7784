/*
id: perm.delete_repository
title: Identities that are not administrators may delete or disable a repository
severity: high
resource_type: repositories
description: >
  On an active repository, an identity named in the access control lists (group, user, service principal or build
  service identity) that is not an administrator of the project (not in privileged_groups() of the organization
  or of the repository's project, directly or through nested groups) is allowed "Delete or disable repository"
  (DeleteRepository), by azure_devops.effective_object_permissions: its closest entry on the repository, the
  project ("All repositories") or the organization decides, deny beating allow on the same token. Source:
  learn.microsoft.com/azure/devops/repos/git/set-git-repository-permissions ("Delete or disable repository") and
  learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Git Repositories).
rationale: >
  Deleting a repository removes its code, history, pull requests and policies at once (it can be restored from
  the recycle bin only for a limited time), and disabling it stops every pipeline that builds from it. Only
  administrators should be able to do either.
remediation: >
  Project settings > Repositories > the repository (or All repositories) > Security: set "Delete or disable
  repository" to "Not set" for the identity named, at the level the message says it is set.
anchors:
  owasp: [CICD-SEC-2]
requires: [repositories, effective_permissions, permission_objects, groups, projects, effective_group_memberships]
*/
WITH deleters AS (
    SELECT o.object_id AS repository_id, list(perm_grant(o.identity_name, o.permission, o.via)) AS grants
    FROM azure_devops.effective_object_permissions AS o
    WHERE o.namespace = 'Git Repositories' AND o.resource_type = 'repository' AND o.permission_name = 'DeleteRepository'
      AND perm_outsider_allow(o.decision, o.identity_descriptor, o.project_name)
    GROUP BY o.object_id
)
SELECT r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url,
       'Identities that are not administrators may delete or disable repository "' || r.name || '": '
           || perm_grant_list(d.grants) AS message
FROM active_repositories('permissionsMid') AS r
JOIN deleters AS d ON d.repository_id = r.id
