/*
id: perm.default_branch_bypass
title: People who are not administrators can bypass the policies of a default branch
severity: high
resource_type: repositories
description: >
  A user, service principal or build service identity that is not an administrator of the project (not in
  privileged_groups() of the organization or of the repository's project, directly or through nested groups) is
  effectively allowed "Bypass policies when pushing" (PolicyExempt) or "Bypass policies when completing pull
  requests" (PullRequestBypassPolicy) on the default branch of an active repository. Decided as
  azure_devops.effective_user_permissions decides (docs/permissions.md): each identity that counts for the user
  (their own entries and every group they belong to, through effective_group_memberships) has its decision in
  azure_devops.effective_object_permissions (the branch's own entries or those it inherits from the repository,
  the project and "All repositories"); the user may bypass when one of them allows and none denies. (The rule
  expands only these two permissions on default branches itself instead of reading the whole user view, which
  does not fit the rules' memory on large organizations; the Project Collection Administrators' exception does
  not matter here, they are administrators.) The message names each person, the permission and the group and
  entry it comes through. Source:
  learn.microsoft.com/azure/devops/repos/git/set-git-repository-permissions (Bypass policies when pushing /
  when completing pull requests) and learn.microsoft.com/azure/devops/organizations/security/about-permissions.
rationale: >
  Branch policies (reviewers, build validation, linked work items) are the control that keeps unreviewed code
  out of the branch pipelines build and deploy from. Whoever may bypass them can push or merge anything; that
  must stay with the few administrators whose bypasses are audited.
remediation: >
  Project settings > Repositories > the repository > Security (or the branch's "Branch security"): find the
  group or user named in the message and set both bypass permissions to "Not set" (or Deny); keep them for a
  small administrators group.
anchors:
  owasp: [CICD-SEC-1, CICD-SEC-2]
params:
  bypass_permissions: [PolicyExempt, PullRequestBypassPolicy]
requires: [repositories, effective_permissions, permission_objects, users, service_principals, groups, projects,
           effective_group_memberships]
*/
WITH decisions AS (
    SELECT r.id AS repository_id, r.project_name, o.bit, o.permission, o.identity_descriptor, o.identity_name,
           o.identity_kind, o.decision, o.via
    FROM azure_devops.effective_object_permissions AS o
    JOIN azure_devops.repositories AS r ON o.resource_type = 'branch' AND o.object_id = r.id || '@' || r.default_branch
    WHERE o.namespace = 'Git Repositories' AND list_contains($bypass_permissions, o.permission_name)
), counted AS (
    -- Every user or service principal each decision counts for: its own identity, or each member of its group.
    SELECT d.*, d.identity_descriptor AS member, 'own entry' AS how
    FROM decisions AS d
    WHERE d.identity_kind <> 'group'
    UNION ALL
    SELECT d.*, m.member_descriptor, 'via ' || d.identity_name
    FROM decisions AS d
    JOIN azure_devops.effective_group_memberships AS m ON m.group_descriptor = d.identity_descriptor
    WHERE d.identity_kind = 'group' AND m.member_kind NOT IN ('vssgp', 'aadgp')
), allowed AS (
    SELECT repository_id, project_name, member, bit, any_value(permission) AS permission,
           arg_min(how || CASE WHEN via = 'direct' THEN '' ELSE ' (' || via || ')' END, how <> 'own entry') AS how
    FROM counted
    GROUP BY ALL
    HAVING bool_or(decision = 'allow') AND NOT bool_or(decision = 'deny')
), bypassers AS (
    SELECT a.repository_id,
           list(coalesce(u.principal_name, s.principal_name, u.display_name, a.member) || ' may "' || a.permission
                || '" (' || a.how || ')') AS grants
    FROM allowed AS a
    LEFT JOIN azure_devops.users AS u ON u.descriptor = a.member
    LEFT JOIN azure_devops.service_principals AS s ON s.descriptor = a.member
    WHERE NOT perm_is_admin(a.member, a.project_name)
    GROUP BY a.repository_id
)
SELECT r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url,
       'The policies of ' || path_short_ref(r.default_branch) || ' of repository "' || r.name
           || '" can be bypassed by people who are not administrators: ' || perm_grant_list(b.grants) AS message
FROM active_repositories('permissionsMid') AS r
JOIN bypassers AS b ON b.repository_id = r.id
