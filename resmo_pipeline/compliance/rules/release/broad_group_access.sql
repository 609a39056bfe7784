/*
id: release.broad_group_access
title: Broad groups may edit or administer a release pipeline
severity: medium
resource_type: release_definitions
description: >
  One of the broad groups ($broad_groups) is allowed, on the release definition or through the project or
  folder it inherits from, one of these ReleaseManagement permissions: $restricted_actions (edit or delete the
  pipeline or its stages, manage approvers, releases or deployments, administer permissions). Effective allow
  bits of the group's nearest access control entry. Sources: ADO Security Scanner ControlSettings
  RestrictedBroaderGroupsForRelease;
  learn.microsoft.com/azure/devops/organizations/security/permissions#release-pipeline-object-level.
rationale: >
  Whoever can edit a release pipeline or its approvers can ship any build to production; broad groups hold
  nearly every user of the project or organization.
remediation: >
  Pipelines > Releases > the pipeline > ... > Security: set the listed permissions of the broad groups to "Not
  set" or "Deny" (or turn off inheritance) and grant them to a dedicated release group.
anchors:
  adoscanner: [ADO_Release_AuthZ_Restrict_Broader_Group_Access]
  owasp: [CICD-SEC-2, CICD-SEC-5]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  restricted_actions: [EditReleaseDefinition, EditReleaseEnvironment, DeleteReleaseEnvironment, ManageDeployments,
                       AdministerReleasePermissions, DeleteReleaseDefinition, DeleteReleases,
                       ManageReleaseApprovers, ManageReleases]
requires: [build_definitions, release_definitions, task_groups, projects, access_control_lists, groups,
           security_namespaces]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Release definition "' || name || '": ' || grants AS message
FROM broad_group_grant_summary(['release_definition'], $broad_groups, $restricted_actions)
