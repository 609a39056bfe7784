/*
id: repo.build_service_permissions
title: Build service identity is granted write permissions on a repository
severity: high
resource_type: repositories
description: >
  A build service identity ("<Project> Build Service (<org>)", "Project Collection Build Service (<org>)" or
  the Project Collection Build Service Accounts group) has one of the permissions $restricted_permissions set
  to Allow directly on an active repository (the access control list of token repoV2/<project>/<repository>).
  Permissions inherited from the project level ("Allow (inherited)") are not counted, as in the ADO Security
  Scanner control this rule follows (Repo.RestrictedRolesForBuildSvcAccountsInRepo, inherited permissions not
  checked by default). Source: learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Git
  Repositories permission bits) and learn.microsoft.com/azure/devops/pipelines/process/access-tokens.
rationale: >
  Every pipeline of the project runs as its build service, so a write permission granted to it is granted to
  every pipeline and to everyone who can edit one: a pipeline from any branch can push code, create branches
  or bypass the branch policies of this repository.
remediation: >
  Project settings > Repositories > the repository > Security: select the build service identity and set the
  listed permissions back to "Not set" (or Deny). Grant Contribute only to the repository a pipeline really
  has to push to, and protect its branches with policies.
anchors:
  adoscanner: [ADO_Repository_AuthZ_Dont_Grant_BuildSvcAcct_Permission]
  owasp: [CICD-SEC-5]
params:
  restricted_permissions: [PullRequestBypassPolicy, PolicyExempt, GenericContribute, PullRequestContribute,
                           CreateBranch, DeleteRepository, EditPolicies, ForcePush, ManagePermissions,
                           RemoveOthersLocks, RenameRepository]
requires: [repositories, access_control_lists, security_namespaces]
*/
SELECT r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url,
       'Repository "' || r.name || '" allows build service identities write permissions directly: ' || g.who
           AS message
FROM active_repositories('permissionsMid') AS r
JOIN build_service_grants('repository', $restricted_permissions) AS g ON g.token_repository_id = r.id
