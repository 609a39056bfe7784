/*
id: pipeline.status_badges_public
title: Pipeline status badges are public
severity: low
resource_type: pipeline_settings
description: >
  A project does not turn on "Disable anonymous access to badges" (statusBadgesArePrivate), so anyone with
  a badge link can read the status of its pipelines and branches without signing in. Source:
  learn.microsoft.com/azure/devops/pipelines/create-first-pipeline#add-a-status-badge-to-your-repository and
  Project settings > Pipelines > Settings.
rationale: >
  Anonymous badges disclose pipeline names, branch names and whether builds fail to people outside the
  organization.
remediation: >
  Project settings > Pipelines > Settings: turn on "Disable anonymous access to badges".
anchors:
  adoscanner: [ADO_Project_DP_Disable_Anonymous_Access_To_Badges]
  psrule: [Azure.DevOps.Pipelines.Settings.StatusBadgesPrivate]
  owasp: [CICD-SEC-10]
requires: [pipeline_settings]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'Project "' || project_name || '" allows anonymous access to pipeline status badges' AS message
FROM azure_devops.pipeline_settings
WHERE NOT coalesce(status_badges_are_private, FALSE)
