/*
id: project.publish_pipeline_metadata
title: Pipelines do not publish artifact metadata
severity: low
resource_type: pipeline_settings
description: >
  A project's pipeline setting "Publish metadata from pipelines" is off (publishPipelineMetadata false), so
  its pipelines record no metadata about the artifacts (e.g. container images) they produce. Source: REST
  Build General Settings (PipelineGeneralSettings.publishPipelineMetadata) and the ADO Security Scanner
  control ADO_Project_DP_Publish_Metadata_From_Pipeline.
rationale: >
  Published artifact metadata is what artifact policies and evaluation before deployment (and Microsoft
  Defender for Cloud's pipeline-to-image mapping) use to tell which pipeline run built an artifact; without
  it a deployed artifact cannot be traced back to the build that made it.
remediation: >
  Project settings > Pipelines > Settings: turn on "Publish metadata from pipelines".
anchors:
  adoscanner: [ADO_Project_DP_Publish_Metadata_From_Pipeline]
  owasp: [CICD-SEC-9]
requires: [pipeline_settings]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'Project "' || project_name || '" does not publish metadata from its pipelines (publishPipelineMetadata is '
        || 'off)' AS message
FROM azure_devops.pipeline_settings
WHERE NOT coalesce(publish_pipeline_metadata, FALSE)
