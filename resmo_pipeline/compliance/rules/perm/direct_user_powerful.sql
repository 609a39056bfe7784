/*
id: perm.direct_user_powerful
title: A user holds powerful permissions through an entry of their own
severity: medium
resource_type: users
description: >
  A user (not a group, not a build service identity) holds an access control entry of their own that allows one
  of $powerful_permissions (permissions that change code history, branch policies, pipelines, releases,
  permissions or the project itself) on a repository, branch, pipeline, release pipeline or project, read from
  azure_devops.effective_permissions at the token where the entry is set (via direct) and still allowed there. One
  finding per user naming each permission and where it is set. users.direct_permissions reports every direct
  allow; this rule the powerful ones. Source: learn.microsoft.com/azure/devops/organizations/security/about-permissions
  (manage permissions through groups) and learn.microsoft.com/azure/devops/organizations/security/permissions.
rationale: >
  Powerful permissions given to one person are invisible in group reviews, stay when the person changes teams
  and bypass the approval that adding someone to an administrators group takes.
remediation: >
  On the object named (repository, branch, pipeline or project Security page), remove the user's entry and add
  the user to the group that should hold the permission.
anchors:
  owasp: [CICD-SEC-2]
params:
  powerful_permissions: [Administer, ForcePush, PolicyExempt, PullRequestBypassPolicy, EditPolicies,
                         ManagePermissions, DeleteRepository, RenameRepository, EditBuildDefinition,
                         DeleteBuildDefinition, AdministerBuildPermissions, EditReleaseDefinition,
                         DeleteReleaseDefinition, AdministerReleasePermissions, ManageReleaseApprovers,
                         GENERIC_WRITE, DELETE, RENAME, UPDATE_VISIBILITY]
requires: [users, effective_permissions]
*/
WITH grants AS (
    SELECT identity_descriptor,
           list(DISTINCT perm_on(permission, resource_type, resource_name)) AS grants
    FROM azure_devops.effective_permissions
    WHERE via = 'direct' AND decision = 'allow' AND identity_kind = 'user' AND NOT is_build_service
      AND namespace IN ('Git Repositories', 'Build', 'ReleaseManagement', 'Project')
      AND list_contains($powerful_permissions, permission_name)
    GROUP BY identity_descriptor
)
SELECT u.organization, u.resource_id, coalesce(u.principal_name, u.display_name) AS resource_name,
       organization_url(u.organization) || '/_settings/users' AS url,
       'User ' || coalesce(u.principal_name, u.display_name) || ' holds powerful permissions through entries of '
           || 'their own: ' || path_capped_list(g.grants, 5, '; ') AS message
FROM azure_devops.users AS u
JOIN grants AS g ON g.identity_descriptor = u.descriptor
