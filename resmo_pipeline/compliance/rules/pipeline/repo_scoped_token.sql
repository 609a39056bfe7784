/*
id: pipeline.repo_scoped_token
title: Pipeline job tokens can reach repositories the pipeline does not reference
severity: medium
resource_type: pipeline_settings
description: >
  The project does not protect access to repositories in YAML pipelines
  (enforceReferencedRepoScopedToken), so a job token can read every repository in scope, not only those the
  pipeline checks out.
rationale: >
  Limiting the token to referenced repositories keeps a compromised pipeline from exfiltrating unrelated
  source code.
remediation: >
  Project settings > Pipelines > Settings: turn on "Protect access to repositories in YAML pipelines".
anchors:
  adoscanner:
    - ADO_Project_AuthZ_Limit_Pipeline_Scope_To_Referenced_Repos
    - ADO_Organization_AuthZ_Limit_Pipeline_Scope_To_Referenced_Repos
  maester: [AZDO.1018]
  owasp: [CICD-SEC-5]
requires: [pipeline_settings]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'Project "' || project_name || '" does not limit job tokens to the repositories a YAML pipeline references'
        AS message
FROM azure_devops.pipeline_settings
WHERE NOT coalesce(enforce_referenced_repo_scoped_token, FALSE)
