/*
id: perm.default_branch_force_push
title: Identities that are not administrators may force push to a default branch
severity: high
resource_type: repositories
description: >
  On the default branch of an active repository, an identity named in the access control lists (a group, a
  user, a service principal or a build service identity) that is not an administrator of the project (not in
  privileged_groups() of the organization or of the repository's project, directly or through nested groups) is
  allowed "Force push (rewrite history, delete branches and tags)" (ForcePush), by
  azure_devops.effective_object_permissions: its closest entry on the branch, the repository, the project or
  "All repositories" decides, deny beating allow on the same token, inheritance cut where a list does not
  inherit. A group's allow reaches every member without a deny of their own. Source:
  learn.microsoft.com/azure/devops/repos/git/set-git-repository-permissions (Force push) and
  learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Git Repositories tokens).
rationale: >
  Force push rewrites or deletes the history of the branch releases are built from: reviewed commits can be
  replaced, evidence of a change removed, and for a build service identity every pipeline of the project can do
  it. Branch policies do not stop a force push by an identity allowed to bypass them.
remediation: >
  Project settings > Repositories > the repository > the default branch > Branch security: set "Force push" to
  "Not set" or Deny for the identity named (or at the repository or project level it is inherited from).
anchors:
  owasp: [CICD-SEC-1, CICD-SEC-5]
requires: [repositories, effective_permissions, permission_objects, groups, projects, effective_group_memberships]
*/
WITH pushers AS (
    SELECT r.id AS repository_id, list(perm_grant(o.identity_name, o.permission, o.via)) AS grants
    FROM azure_devops.effective_object_permissions AS o
    JOIN azure_devops.repositories AS r ON o.resource_type = 'branch' AND o.object_id = r.id || '@' || r.default_branch
    WHERE o.namespace = 'Git Repositories' AND o.permission_name = 'ForcePush'
      AND perm_outsider_allow(o.decision, o.identity_descriptor, r.project_name)
    GROUP BY r.id
)
SELECT r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url,
       'Identities that are not administrators may force push to ' || path_short_ref(r.default_branch)
           || ' of repository "' || r.name || '": ' || perm_grant_list(p.grants) AS message
FROM active_repositories('permissionsMid') AS r
JOIN pushers AS p ON p.repository_id = r.id
