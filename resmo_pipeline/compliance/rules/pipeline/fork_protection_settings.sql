/*
id: pipeline.fork_protection_settings
title: Project does not protect pipelines from fork pull requests
severity: high
resource_type: pipeline_settings
description: >
  The project's pipeline settings do not limit building pull requests from forked GitHub repositories
  (fork protection off, or fork builds allowed with secrets, a full-scope job token or without a required
  comment from a team member).
rationale: >
  The project setting overrides every pipeline; without it one misconfigured pipeline exposes secrets and
  agents to anyone who can fork the repository.
remediation: >
  Project settings > Pipelines > Settings > "Limit building pull requests from forked GitHub repositories":
  turn on, and either disable fork builds or securely build them (no secrets, limited job scope, require a
  team member's comment).
anchors:
  adoscanner: [ADO_Project_SI_Apply_Secure_Policy_For_PRBuildTrigger_From_ForkedRepo]
  maester: [AZDO.1022]
  owasp: [CICD-SEC-4]
requires: [pipeline_settings]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'Project "' || project_name || '" does not enforce: '
        || concat_ws(', ',
                     CASE WHEN NOT coalesce(fork_protection_enabled, FALSE) THEN 'fork protection' END,
                     CASE WHEN coalesce(builds_enabled_for_forks, TRUE)
                               AND NOT coalesce(enforce_no_access_to_secrets_from_forks, FALSE)
                          THEN 'no secrets for fork builds' END,
                     CASE WHEN coalesce(builds_enabled_for_forks, TRUE)
                               AND NOT coalesce(enforce_job_auth_scope_for_forks, FALSE)
                          THEN 'limited job scope for fork builds' END,
                     CASE WHEN coalesce(builds_enabled_for_forks, TRUE)
                               AND NOT coalesce(is_comment_required_for_pull_request, FALSE)
                          THEN 'a team member comment before fork builds' END)
        AS message
FROM azure_devops.pipeline_settings
WHERE (
      NOT coalesce(fork_protection_enabled, FALSE)
      OR (coalesce(builds_enabled_for_forks, TRUE) AND NOT (
              coalesce(enforce_no_access_to_secrets_from_forks, FALSE)
              AND coalesce(enforce_job_auth_scope_for_forks, FALSE)
              AND coalesce(is_comment_required_for_pull_request, FALSE)))
  )
