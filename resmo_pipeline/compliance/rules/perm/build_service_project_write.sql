/*
id: perm.build_service_project_write
title: A build service identity may change every repository or pipeline of a project
severity: high
resource_type: projects
description: >
  A build service identity ("<Project> Build Service (<org>)" or "Project Collection Build Service (<org>)",
  is_build_service) is allowed, on the project itself, one of $restricted_permissions of the Git Repositories
  namespace (the project's "All repositories" token, also when inherited from the organization's) or of the Build
  namespace (the project's pipelines), by azure_devops.effective_object_permissions. A project-level allow
  reaches every repository or pipeline of the project that does not deny it. Contribute, Create branch and Create
  tag, which Azure DevOps grants the project's build service by default, are not in the default list. Source:
  learn.microsoft.com/azure/devops/pipelines/process/access-tokens (job access token, build service identities)
  and learn.microsoft.com/azure/devops/organizations/security/permissions (Git repository and Build permissions).
rationale: >
  Every pipeline job of the project runs with the build service's rights (the job access token), so anyone who
  can change a pipeline or the code it runs inherits them: with Force push, Edit policies or Bypass policies on
  all repositories, or Edit build pipeline on all pipelines, one compromised job rewrites protected branches or
  other pipelines.
remediation: >
  Project settings > Repositories > Security (All repositories) or Pipelines > ... > Manage security (All
  pipelines): select the build service identity and set the listed permissions to "Not set"; grant a permission
  on the single repository or pipeline that needs it.
anchors:
  owasp: [CICD-SEC-5, CICD-SEC-2]
params:
  restricted_permissions: [ForcePush, PolicyExempt, PullRequestBypassPolicy, EditPolicies, ManagePermissions,
                           DeleteRepository, RenameRepository, RemoveOthersLocks, Administer, EditBuildDefinition,
                           DeleteBuildDefinition, AdministerBuildPermissions, DestroyBuilds]
requires: [projects, effective_permissions, permission_objects]
*/
WITH grants AS (
    SELECT object_id AS project_id, list(perm_grant(identity_name, permission, via)) AS grants
    FROM azure_devops.effective_object_permissions
    WHERE resource_type = 'project' AND is_build_service AND decision = 'allow'
      AND namespace IN ('Git Repositories', 'Build') AND list_contains($restricted_permissions, permission_name)
    GROUP BY object_id
)
SELECT p.organization, p.resource_id, p.name AS resource_name, p.name AS project_name, p.id,
       project_url(p.organization, p.name) || '/_settings/repositories?_a=permissions' AS url,
       'Build service identities may change every repository or pipeline of project "' || p.name || '": '
           || perm_grant_list(g.grants) AS message
FROM azure_devops.projects AS p
JOIN grants AS g ON g.project_id = p.id
