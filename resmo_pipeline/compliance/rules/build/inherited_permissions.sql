/*
id: build.inherited_permissions
title: Build pipeline inherits its project's permissions
severity: low
resource_type: build_definitions
description: >
  A build definition has no access control list of its own in the Build security namespace, or its list has
  inheritance turned on (inheritPermissions), so every permission set on the project (and its folders) for
  groups such as Contributors applies to it. Token {projectId}/{folder path}/{definitionId}. Source:
  learn.microsoft.com/azure/devops/pipelines/policies/permissions#set-pipeline-permissions and REST Access
  Control Lists (AccessControlList.inheritPermissions).
rationale: >
  A pipeline that deploys to production or holds secrets should have its own, reviewed permissions; with
  inheritance on, a broad grant made at the project level silently lets more people edit or queue it.
remediation: >
  Pipelines > the pipeline > ... > Manage security: turn off "Inheritance" and keep only the groups that need
  access to this pipeline.
anchors:
  adoscanner: [ADO_Build_AuthZ_Disable_Inherited_Permissions]
  psrule: [Azure.DevOps.Pipelines.Core.InheritedPermissions]
  owasp: [CICD-SEC-5]
requires: [build_definitions, release_definitions, task_groups, projects, access_control_lists]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '" inherits the permissions of project "' || project_name
        || '" (no own access control list, or inheritance on)' AS message
FROM secured_pipeline_objects()
WHERE object_kind = 'build_definition' AND inherits
