/*
id: pipeline.project_broad_group_access
title: Broad groups may edit or administer every pipeline of a project
severity: medium
resource_type: projects
description: >
  At the project level (the defaults every build and release definition inherits), one of the broad groups
  ($broad_groups) is allowed a Build permission of $build_actions or a ReleaseManagement permission of
  $release_actions. Tokens: the project id in both namespaces. Sources: ADO Security Scanner
  ControlSettings RestrictedBroaderGroupsForBuild / ForRelease;
  learn.microsoft.com/azure/devops/organizations/security/permissions#build-and-pipeline-permissions.
rationale: >
  A grant at the project level reaches every pipeline that inherits permissions, including the ones that
  deploy to production; broad groups hold nearly every user of the project or organization.
remediation: >
  Pipelines > ... > Manage security (All pipelines) and Releases > ... > Security (All release pipelines): set
  the listed permissions of the broad groups to "Not set" and grant them to dedicated groups.
anchors:
  adoscanner:
    - ADO_Project_AuthZ_Restrict_Broader_Group_Access_on_Builds
    - ADO_Project_AuthZ_Restrict_Broader_Group_Access_on_Releases
  owasp: [CICD-SEC-2, CICD-SEC-5]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  build_actions: [ManageBuildQueue, StopBuilds, OverrideBuildCheckInValidation, AdministerBuildPermissions,
                  DeleteBuildDefinition, DeleteBuilds, DestroyBuilds, EditBuildDefinition]
  release_actions: [EditReleaseDefinition, EditReleaseEnvironment, DeleteReleaseEnvironment, ManageDeployments,
                    AdministerReleasePermissions, DeleteReleaseDefinition, DeleteReleases, ManageReleaseApprovers,
                    ManageReleases]
requires: [build_definitions, release_definitions, task_groups, projects, access_control_lists, groups,
           security_namespaces]
*/
WITH grants AS (
    SELECT *, 'build' AS pipelines FROM broad_group_grant_summary(['build_project'], $broad_groups, $build_actions)
    UNION ALL
    SELECT *, 'release' FROM broad_group_grant_summary(['release_project'], $broad_groups, $release_actions)
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    'Project "' || name || '": '
        || string_agg('on all ' || pipelines || ' pipelines ' || grants, '; ' ORDER BY pipelines) AS message
FROM grants
GROUP BY organization, resource_id, name, project_name
