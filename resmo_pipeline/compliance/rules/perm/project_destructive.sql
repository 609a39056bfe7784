/*
id: perm.project_destructive
title: Identities that are not administrators may delete, rename or change the visibility of a project
severity: high
resource_type: projects
description: >
  On a project, an identity named in the access control lists that is not an administrator of the project (not in
  privileged_groups() of the organization or of the project, directly or through nested groups) is allowed one
  of $project_permissions of the Project namespace ("Delete team project" DELETE, "Rename team project" RENAME,
  "Update project visibility" UPDATE_VISIBILITY), by azure_devops.effective_object_permissions (the project's
  entries and those of the Project namespace's root token, deny beating allow on the same token). Source:
  learn.microsoft.com/azure/devops/organizations/security/permissions#project-level-permissions and
  learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Project).
rationale: >
  Deleting a project removes every repository, pipeline and work item in it; renaming it breaks every URL and
  service connection that names it; making it public exposes its code and pipeline logs to anyone on the
  internet. These belong to Project Administrators alone.
remediation: >
  Project settings > Permissions > the group or user named > set the listed permissions to "Not set".
anchors:
  owasp: [CICD-SEC-2]
params:
  project_permissions: [DELETE, RENAME, UPDATE_VISIBILITY]
requires: [projects, effective_permissions, permission_objects, groups, effective_group_memberships]
*/
WITH grants AS (
    SELECT o.object_id AS project_id, list(perm_grant(o.identity_name, o.permission, o.via)) AS grants
    FROM azure_devops.effective_object_permissions AS o
    WHERE o.namespace = 'Project' AND o.resource_type = 'project'
      AND list_contains($project_permissions, o.permission_name)
      AND perm_outsider_allow(o.decision, o.identity_descriptor, o.project_name)
    GROUP BY o.object_id
)
SELECT p.organization, p.resource_id, p.name AS resource_name, p.name AS project_name, p.id,
       project_url(p.organization, p.name) || '/_settings/permissions' AS url,
       'Identities that are not administrators may delete, rename or change the visibility of project "' || p.name
           || '": ' || perm_grant_list(g.grants) AS message
FROM azure_devops.projects AS p
JOIN grants AS g ON g.project_id = p.id
