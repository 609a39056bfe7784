/*
id: perm.administer_build_permissions
title: Identities that are not administrators may administer a pipeline's permissions
severity: high
resource_type: build_definitions
description: >
  On a build pipeline, an identity named in the access control lists that is not an administrator of the project
  (not in privileged_groups() of the organization or of the pipeline's project, directly or through nested
  groups) and not one of $excluded_groups (the project's Build Administrators hold it by default) is allowed
  "Administer build permissions" (AdministerBuildPermissions), by azure_devops.effective_object_permissions: its
  closest entry on the pipeline, its folders or the project's pipelines decides, deny beating allow on the same
  token. Source: learn.microsoft.com/azure/devops/pipelines/policies/permissions#pipeline-permissions
  ("Administer build permissions") and learn.microsoft.com/azure/devops/organizations/security/namespace-reference
  (Build tokens).
rationale: >
  Whoever may administer a pipeline's permissions may give themselves "Edit build pipeline" and change what the
  pipeline runs with its service connections, secrets and job token, or lock its owners out.
remediation: >
  Pipelines > the pipeline (or All pipelines) > ... > Manage security: set "Administer build permissions" to "Not
  set" for the identity named, at the level the message says it comes from; keep it for Build Administrators or
  Project Administrators.
anchors:
  owasp: [CICD-SEC-2]
params:
  excluded_groups: [Build Administrators]
requires: [build_definitions, effective_permissions, permission_objects, groups, projects,
           effective_group_memberships]
*/
WITH administrators AS (
    SELECT o.object_id AS definition_id, list(perm_grant(o.identity_name, o.permission, o.via)) AS grants
    FROM azure_devops.effective_object_permissions AS o
    WHERE o.namespace = 'Build' AND o.resource_type = 'build_definition'
      AND o.permission_name = 'AdministerBuildPermissions'
      AND NOT list_contains($excluded_groups, identity_short_name(o.identity_name))
      AND perm_outsider_allow(o.decision, o.identity_descriptor, o.project_name)
    GROUP BY o.object_id
)
SELECT d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
       'Identities that are not administrators may administer the permissions of pipeline "' || d.name || '": '
           || perm_grant_list(a.grants) AS message
FROM azure_devops.build_definitions AS d
JOIN administrators AS a ON a.definition_id = CAST(d.id AS VARCHAR)
