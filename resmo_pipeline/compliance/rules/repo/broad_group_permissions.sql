/*
id: repo.broad_group_permissions
title: Broad groups have excessive permissions on all repositories of a project
severity: high
resource_type: projects
description: >
  On the project level of the Git Repositories namespace (token repoV2/<project>: "All repositories"), a group
  in $contributor_groups is allowed one of $contributor_excessive, or a group in $reader_groups (groups that
  should only read) is allowed one of $reader_excessive. Only Allow set on the project token counts. The groups
  and permissions are the ADO Security Scanner's (Repo.RestrictedBroaderGroupsForRepo). Source:
  learn.microsoft.com/azure/devops/repos/git/set-git-repository-permissions and
  learn.microsoft.com/azure/devops/organizations/security/namespace-reference.
rationale: >
  Permissions on "All repositories" reach every repository of the project, present and future. Letting
  everyone force push, bypass policies, edit policies or manage permissions removes the protection branch
  policies give the code pipelines build and deploy.
remediation: >
  Project settings > Repositories > Security (All repositories): select the group and set the listed
  permissions to "Not set"; grant them to a small administrators group instead.
anchors:
  adoscanner: [ADO_Project_AuthZ_Restrict_Broader_Group_Access_on_Repo]
  owasp: [CICD-SEC-1, CICD-SEC-2]
params:
  contributor_groups: [Contributors]
  contributor_excessive: [DeleteRepository, ManagePermissions, PullRequestBypassPolicy, PolicyExempt,
                          EditPolicies, ForcePush, RemoveOthersLocks, RenameRepository]
  reader_groups: [Readers, Project Valid Users, Project Collection Valid Users, Everyone]
  reader_excessive: [GenericContribute, DeleteRepository, ManagePermissions, PullRequestBypassPolicy,
                     PolicyExempt, EditPolicies, ForcePush, RemoveOthersLocks, RenameRepository]
requires: [projects, access_control_lists, security_namespaces]
*/
WITH grants AS (
    SELECT token_project_id, identity_display_name, granted FROM git_permission_grants('project', $contributor_excessive)
    WHERE list_contains($contributor_groups, identity_short_name(identity_display_name))
    UNION ALL
    SELECT token_project_id, identity_display_name, granted FROM git_permission_grants('project', $reader_excessive)
    WHERE list_contains($reader_groups, identity_short_name(identity_display_name))
), per_project AS (
    SELECT token_project_id,
           string_agg(identity_display_name || ' (' || array_to_string(granted, ', ') || ')', '; '
                      ORDER BY identity_display_name) AS who
    FROM grants
    GROUP BY token_project_id
)
SELECT
    p.organization,
    p.resource_id,
    p.name AS resource_name,
    p.name AS project_name,
    project_url(p.organization, p.name) || '/_settings/repositories?_a=permissions' AS url,
    'Project "' || p.name || '" lets broad groups do more than they should on all repositories: ' || g.who
        AS message
FROM azure_devops.projects AS p
JOIN per_project AS g ON g.token_project_id = p.id
