/*
id: repo.build_service_branch_permissions
title: Build service identity is granted excessive permissions on important branches
severity: medium
resource_type: repositories
description: >
  On the "All branches" level of an active repository (token repoV2/<project>/<repository>/refs/heads/), on
  its default branch or on one of the branches $branches, a build service identity ("<Project> Build Service
  (<org>)", "Project Collection Build Service (<org>)", Project Collection Build Service Accounts) has one of
  $excessive_permissions set to Allow on the branch itself (inherited permissions are not counted). The branch
  list and the permissions are the ADO Security Scanner's (Repo.BranchesToCheckForExcessivePermissions,
  Repo.ExcessivePermissionsForBranch). Source: learn.microsoft.com/azure/devops/repos/git/branch-permissions and
  learn.microsoft.com/azure/devops/organizations/security/namespace-reference (branch tokens hold the branch
  name hex-encoded).
rationale: >
  A pipeline runs as the build service; permissions such as force push or "Bypass policies when pushing" on
  the branches releases are built from let any pipeline (and anyone who can change one) rewrite them without
  review.
remediation: >
  Project settings > Repositories > the repository > Security > Git refs permissions ("All branches" or the
  branch): select the build service identity and set the listed permissions to "Not set" or Deny.
anchors:
  adoscanner: [ADO_Repository_AuthZ_Dont_Grant_BuildSvc_Permission_On_Branch]
  owasp: [CICD-SEC-1, CICD-SEC-5]
params:
  branches: [main, master, develop]
  excessive_permissions: [GenericContribute, PolicyExempt, ForcePush, PullRequestBypassPolicy, CreateBranch,
                          EditPolicies, ManagePermissions, RemoveOthersLocks]
requires: [repositories, access_control_lists, security_namespaces]
*/
SELECT r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url,
       'Repository "' || r.name || '" gives build service identities excessive branch permissions: '
           || string_agg(CASE WHEN g.ref_name = 'refs/heads/' THEN 'All branches' ELSE g.ref_name END || ': ' || g.who,
                         '; ' ORDER BY g.ref_name) AS message
FROM active_repositories('permissionsMid') AS r
JOIN build_service_grants('branch', $excessive_permissions) AS g ON g.token_repository_id = r.id
WHERE g.ref_name = 'refs/heads/' OR g.ref_name = r.default_branch
   OR list_contains([ 'refs/heads/' || b FOR b IN $branches ], g.ref_name)
GROUP BY r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url, r.name
