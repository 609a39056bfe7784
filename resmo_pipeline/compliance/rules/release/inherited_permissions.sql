/*
id: release.inherited_permissions
title: Release pipeline inherits its project's permissions
severity: low
resource_type: release_definitions
description: >
  A release definition has no access control list of its own in the ReleaseManagement security namespace,
  or its list has inheritance turned on (inheritPermissions), so the permissions set on the project apply to
  it. Token {projectId}/{folder path}/{definitionId}. Source:
  learn.microsoft.com/azure/devops/organizations/security/namespace-reference (ReleaseManagement) and REST
  Access Control Lists (AccessControlList.inheritPermissions).
rationale: >
  Release pipelines deploy to production; with inheritance on, a grant made for the whole project (e.g. to
  Contributors) also lets those people edit this pipeline, its approvers and its stages.
remediation: >
  Pipelines > Releases > the pipeline > ... > Security: turn off "Inheritance" and keep only the groups that
  must manage this release pipeline.
anchors:
  adoscanner: [ADO_Release_AuthZ_Disable_Inherited_Permissions]
  psrule: [Azure.DevOps.Pipelines.Releases.Definition.InheritedPermissions]
  owasp: [CICD-SEC-5]
requires: [build_definitions, release_definitions, task_groups, projects, access_control_lists]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Release definition "' || name || '" inherits the permissions of project "' || project_name
        || '" (no own access control list, or inheritance on)' AS message
FROM secured_pipeline_objects()
WHERE object_kind = 'release_definition' AND inherits
