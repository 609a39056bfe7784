/*
id: perm.broad_group_administer_permissions
title: Broad groups may manage the permissions of repositories or pipelines
severity: high
resource_type: projects
description: >
  In a project, a broad group (a group whose name without its "[scope]\" prefix is in $broad_groups) holds an
  entry allowing one of $manage_permissions on an object of the project: "Manage permissions" (ManagePermissions)
  on "All repositories", a repository or a branch, "Administer build permissions" (AdministerBuildPermissions) on
  the project's pipelines, a folder or a pipeline, or "Administer release permissions"
  (AdministerReleasePermissions) on release pipelines (a list on a token the inventory does not name, such as a
  pipeline folder, belongs to the project whose id the token holds). Read from azure_devops.effective_permissions
  at the token where the entry is set (via direct), with the decision evaluated there (a deny of the same group on
  that token wins). One finding per project naming each grant. Source:
  learn.microsoft.com/azure/devops/organizations/security/permissions (Git repository, Build and Release
  permissions) and learn.microsoft.com/azure/devops/organizations/security/namespace-reference.
rationale: >
  Whoever may manage an object's permissions may give themselves every other permission on it: bypass the branch
  policies, force push, edit the pipeline that holds production credentials. Held by Contributors or every
  valid user, that makes every member of the project an administrator of those objects.
remediation: >
  On the object named (Project settings > Repositories > Security, or Pipelines > ... > Manage security), set the
  permission to "Not set" for the group; keep it for Project Administrators or a small dedicated group.
anchors:
  owasp: [CICD-SEC-2]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users, Everyone]
  manage_permissions: [ManagePermissions, AdministerBuildPermissions, AdministerReleasePermissions]
requires: [projects, effective_permissions]
*/
WITH grants AS (
    SELECT perm_project_of(project_name, token) AS project_name,
           list(identity_name || ' may ' || perm_on(permission, resource_type, resource_name)) AS grants
    FROM azure_devops.effective_permissions
    WHERE via = 'direct' AND decision = 'allow' AND identity_kind = 'group'
      AND list_contains($manage_permissions, permission_name)
      AND list_contains($broad_groups, identity_short_name(identity_name))
    GROUP BY ALL
)
SELECT p.organization, p.resource_id, p.name AS resource_name, p.name AS project_name, p.id,
       project_url(p.organization, p.name) || '/_settings/repositories?_a=permissions' AS url,
       'Broad groups may manage permissions in project "' || p.name || '": ' || perm_grant_list(g.grants) AS message
FROM azure_devops.projects AS p
JOIN grants AS g ON g.project_name = p.name
