/*
id: org.pipeline_settings
title: Organization-wide pipeline protections are off
severity: medium
resource_type: organization_pipeline_settings
description: >
  One of the organization-level pipeline settings $must_be_on is off (or not a boolean). Turned on at the
  organization, a setting applies to every project; turned off, every project decides for itself. The project-level
  values are checked by the pipeline.* rules. Source: Organization settings > Pipelines > Settings
  (learn.microsoft.com/azure/devops/pipelines/security/misc and
  learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope); the values come from
  the internal pipelines-org-settings data provider.
rationale: >
  Settings left to each project drift: a new or forgotten project gets anonymous badges, collection-scoped job tokens,
  queue-time variables or classic pipelines. The organization switch is the one place that keeps them on everywhere.
remediation: >
  Organization settings > Pipelines > Settings: turn on "Disable anonymous access to badges", "Limit variables that
  can be set at queue time", "Limit job authorization scope to current project for non-release pipelines" and "... for
  release pipelines", "Protect access to repositories in YAML pipelines", "Disable creation of classic build
  pipelines" and "... classic release pipelines", and "Enable shell tasks arguments validation".
anchors:
  adoscanner:
    - ADO_Organization_DP_Disable_Anonymous_Access_To_Badges
    - ADO_Organization_SI_Limit_Variables_Settable_At_Queue_Time
    - ADO_Organization_AuthZ_Limit_Non_Release_Pipeline_Scope
    - ADO_Organization_AuthZ_Limit_Release_Pipeline_Scope
    - ADO_Organization_AuthZ_Limit_Pipeline_Scope_To_Referenced_Repos
    - ADO_Organization_DP_Disable_Creation_Of_Classic_Pipeline
  maester: [AZDO.1014, AZDO.1015, AZDO.1016, AZDO.1017, AZDO.1018, AZDO.1020, AZDO.1021, AZDO.1025]
  owasp: [CICD-SEC-7]
params:
  must_be_on:
    - statusBadgesArePrivate
    - enforceSettableVar
    - enforceJobAuthScope
    - enforceJobAuthScopeForReleases
    - enforceReferencedRepoScopedToken
    - disableClassicBuildPipelineCreation
    - disableClassicReleasePipelineCreation
    - enableShellTasksArgsSanitizing
requires: [organization_pipeline_settings]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    organization_pipeline_settings_url(organization) AS url,
    'Organization pipeline setting "'
        || CASE name
               WHEN 'statusBadgesArePrivate' THEN 'Disable anonymous access to badges'
               WHEN 'enforceSettableVar' THEN 'Limit variables that can be set at queue time'
               WHEN 'enforceJobAuthScope'
                   THEN 'Limit job authorization scope to current project for non-release pipelines'
               WHEN 'enforceJobAuthScopeForReleases'
                   THEN 'Limit job authorization scope to current project for release pipelines'
               WHEN 'enforceReferencedRepoScopedToken' THEN 'Protect access to repositories in YAML pipelines'
               WHEN 'disableClassicBuildPipelineCreation' THEN 'Disable creation of classic build pipelines'
               WHEN 'disableClassicReleasePipelineCreation' THEN 'Disable creation of classic release pipelines'
               WHEN 'enableShellTasksArgsSanitizing' THEN 'Enable shell tasks arguments validation'
               ELSE name END
        || '" (' || name || ') is off: each project decides for itself' AS message
FROM azure_devops.organization_pipeline_settings
WHERE list_contains($must_be_on, name)
  AND NOT coalesce(enabled, FALSE)
