/*
id: perm.group_membership_managers
title: Identities that are not administrators may change the members of a project's groups
severity: high
resource_type: projects
description: >
  In the Identity namespace, an identity named in the access control lists that is not an administrator of the
  project (not in privileged_groups() of the organization or of the project, directly or through nested groups)
  is allowed one of $identity_permissions ("Manage group membership" ManageMembership, "Edit identity information"
  Write, "Delete identity" Delete) on the project's groups: the project's token ({projectId}, every group of the
  project) or one group's token ({projectId}\{groupId}, belonging to the project whose id it holds), by
  azure_devops.effective_object_permissions. Source:
  learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Identity namespace) and
  learn.microsoft.com/azure/devops/organizations/security/permissions#groups.
rationale: >
  Whoever may manage the membership of the project's groups can add themselves (or anyone) to Project
  Administrators, Build Administrators or a group holding production permissions, which undoes every other
  permission control of the project.
remediation: >
  Project settings > Permissions > the group > Settings/Members: only Project Administrators should manage
  membership; remove the entry of the identity named (Identity permissions are changed through the security REST
  API or az devops security permission update --namespace-id Identity).
anchors:
  owasp: [CICD-SEC-2]
params:
  identity_permissions: [ManageMembership, Write, Delete]
requires: [projects, effective_permissions, permission_objects, groups, effective_group_memberships]
*/
WITH managers AS (
    SELECT perm_project_of(o.project_name, o.token) AS project_name,
           list(perm_grant(o.identity_name, o.permission, CASE WHEN o.resource_type = 'project' THEN o.via
                                                               ELSE 'on one group: ' || o.via END)) AS grants
    FROM azure_devops.effective_object_permissions AS o
    WHERE o.namespace = 'Identity' AND list_contains($identity_permissions, o.permission_name)
      AND perm_outsider_allow(o.decision, o.identity_descriptor, perm_project_of(o.project_name, o.token))
    GROUP BY ALL
)
SELECT p.organization, p.resource_id, p.name AS resource_name, p.name AS project_name, p.id,
       project_url(p.organization, p.name) || '/_settings/groups' AS url,
       'Identities that are not administrators may change the members of the groups of project "' || p.name || '": '
           || perm_grant_list(m.grants) AS message
FROM azure_devops.projects AS p
JOIN managers AS m ON m.project_name = p.name
