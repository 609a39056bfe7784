/*
id: build.broad_group_access
title: Broad groups may edit or administer a build pipeline
severity: medium
resource_type: build_definitions
description: >
  One of the broad groups ($broad_groups) is allowed, on the build definition itself or through the project
  or folder it inherits from, one of these Build namespace permissions: $restricted_actions (edit, delete,
  administer permissions, destroy or delete runs, manage the queue, stop builds, override check-in
  validation). Effective allow bits of the group's nearest access control entry. Sources: ADO Security
  Scanner ControlSettings RestrictedBroaderGroupsForBuild;
  learn.microsoft.com/azure/devops/pipelines/policies/permissions#pipeline-permissions-reference.
rationale: >
  Whoever can edit a pipeline can change what it runs and use every secret, service connection and agent it
  is authorized for; broad groups hold nearly every user of the project or organization.
remediation: >
  Pipelines > the pipeline > ... > Manage security: set the listed permissions of the broad groups to "Not
  set" or "Deny" (or turn off inheritance) and grant them to a dedicated group instead.
anchors:
  adoscanner: [ADO_Build_AuthZ_Restrict_Broader_Group_Access]
  owasp: [CICD-SEC-2, CICD-SEC-5]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  restricted_actions: [ManageBuildQueue, StopBuilds, OverrideBuildCheckInValidation, AdministerBuildPermissions,
                       DeleteBuildDefinition, DeleteBuilds, DestroyBuilds, EditBuildDefinition]
requires: [build_definitions, release_definitions, task_groups, projects, access_control_lists, groups,
           security_namespaces]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '": ' || grants AS message
FROM broad_group_grant_summary(['build_definition'], $broad_groups, $restricted_actions)
