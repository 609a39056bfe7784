/*
id: pipeline.job_auth_scope
title: Pipeline job tokens are not limited to the project
severity: high
resource_type: pipeline_settings
description: >
  A project does not limit the job authorization scope of non-release or release pipelines to the current
  project, or a build definition runs with a collection-scoped job token (jobAuthorizationScope
  projectCollection).
rationale: >
  A collection-scoped job token can read and change repositories, pipelines and artifacts of every project
  in the organization; a compromised pipeline then compromises them all.
remediation: >
  Project settings > Pipelines > Settings: turn on "Limit job authorization scope to current project for
  non-release pipelines" and "... for release pipelines"; set the definitions' build job authorization
  scope to "Current project".
anchors:
  adoscanner:
    - ADO_Project_AuthZ_Limit_Non_Release_Pipeline_Scope
    - ADO_Project_AuthZ_Limit_Release_Pipeline_Scope
    - ADO_Organization_AuthZ_Limit_Non_Release_Pipeline_Scope
    - ADO_Organization_AuthZ_Limit_Release_Pipeline_Scope
    - ADO_Build_AuthZ_Limit_Pipeline_Access
  maester: [AZDO.1016, AZDO.1017]
  owasp: [CICD-SEC-5]
requires: [pipeline_settings, build_definitions]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'pipeline_settings' AS resource_type,
    'Project "' || project_name || '" does not limit the job authorization scope of '
        || concat_ws(' and ',
                     CASE WHEN NOT coalesce(enforce_job_auth_scope, FALSE) THEN 'non-release pipelines' END,
                     CASE WHEN NOT coalesce(enforce_job_auth_scope_for_releases, FALSE) THEN 'release pipelines' END)
        || ' to the project' AS message
FROM azure_devops.pipeline_settings
WHERE NOT (coalesce(enforce_job_auth_scope, FALSE) AND coalesce(enforce_job_auth_scope_for_releases, FALSE))
UNION ALL
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    'build_definitions' AS resource_type,
    'Build definition "' || name || '" runs with a collection-scoped job token (projectCollection)' AS message
FROM azure_devops.build_definitions
WHERE lower(job_authorization_scope) = 'projectcollection'
