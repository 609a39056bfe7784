/*
id: perm.reader_groups_write
title: A group meant to read holds write permissions
severity: medium
resource_type: groups
description: >
  A group whose name without its "[scope]\" prefix is in $reader_groups (Readers, and the groups every member of a
  project or the organization is in: granting them something grants it to the readers too) holds an entry
  allowing one of $write_permissions on a repository, branch, pipeline, release pipeline or project (namespaces Git
  Repositories, Build, ReleaseManagement and Project), read from azure_devops.effective_permissions at the token
  where the entry is set (via direct). One finding per group naming each grant and where it is set. Source:
  learn.microsoft.com/azure/devops/organizations/security/permissions (default permissions of Readers and Project
  Valid Users: view only) and learn.microsoft.com/azure/devops/organizations/security/namespace-reference.
rationale: >
  Readers and the valid-users groups contain everyone who may look at a project, stakeholders and guests
  included. A write permission given to them lets all of those people change code, pipelines or releases,
  bypassing the team membership that is supposed to decide who contributes.
remediation: >
  On the object named (Project settings > Repositories > Security, Pipelines > ... > Manage security, Project
  settings > Permissions), set the permission to "Not set" for the group and grant it to Contributors or a
  dedicated team group instead.
anchors:
  owasp: [CICD-SEC-2]
params:
  reader_groups: [Readers, Project Valid Users, Project Collection Valid Users, Everyone]
  write_permissions: [GenericContribute, ForcePush, CreateBranch, CreateTag, PullRequestContribute, PolicyExempt,
                      PullRequestBypassPolicy, EditPolicies, ManagePermissions, DeleteRepository, RenameRepository,
                      CreateRepository, EditBuildDefinition, DeleteBuildDefinition, QueueBuilds,
                      AdministerBuildPermissions, EditReleaseDefinition, DeleteReleaseDefinition, CreateReleases,
                      ManageReleases, ManageDeployments, ManageReleaseApprovers, EditReleaseEnvironment,
                      AdministerReleasePermissions, GENERIC_WRITE, DELETE, RENAME, UPDATE_VISIBILITY]
requires: [groups, projects, effective_permissions]
*/
WITH grants AS (
    SELECT identity_descriptor,
           list(perm_on(permission, resource_type, resource_name)) AS grants
    FROM azure_devops.effective_permissions
    WHERE via = 'direct' AND decision = 'allow'
      AND namespace IN ('Git Repositories', 'Build', 'ReleaseManagement', 'Project')
      AND list_contains($write_permissions, permission_name)
    GROUP BY identity_descriptor
)
SELECT g.organization, g.resource_id, g.principal_name AS resource_name, p.name AS project_name,
       coalesce(project_url(g.organization, p.name), organization_url(g.organization)) || '/_settings/permissions'
           AS url,
       'Group "' || g.principal_name || '", meant to read, holds write permissions: ' || perm_grant_list(w.grants)
           AS message
FROM azure_devops.groups AS g
JOIN grants AS w ON w.identity_descriptor = g.descriptor
LEFT JOIN azure_devops.projects AS p ON p.id = g.project_id
WHERE list_contains($reader_groups, identity_short_name(g.principal_name))
