/*
id: pipeline.classic_creation
title: Classic pipelines can still be created or are in use
severity: high
resource_type: pipeline_settings
description: >
  A project does not disable the creation of classic build and release pipelines, or a build definition is
  a classic (designer, process type 1) pipeline.
rationale: >
  Classic pipelines are edited in the UI without review or version history, cannot use YAML templates with
  required-template checks and are being retired; YAML pipelines live in the repository under branch
  policies.
remediation: >
  Project settings > Pipelines > Settings: turn on "Disable creation of classic build pipelines" and
  "... classic release pipelines"; migrate classic definitions to YAML.
anchors:
  adoscanner:
    - ADO_Project_DP_Disable_Creation_Of_Classic_Pipeline
    - ADO_Organization_DP_Disable_Creation_Of_Classic_Pipeline
  defender: ["DfC DevOps #14: Azure DevOps classic pipelines should be disabled"]
  maester: [AZDO.1020, AZDO.1021]
  cis: ["2.3.1"]
requires: [pipeline_settings, build_definitions]
*/
SELECT
    organization,
    resource_id,
    project_name AS resource_name,
    project_name,
    'pipeline_settings' AS resource_type,
    'Project "' || project_name || '" allows creating classic '
        || concat_ws(' and ',
                     CASE WHEN NOT coalesce(disable_classic_build_pipeline_creation, disable_classic_pipeline_creation, FALSE)
                          THEN 'build' END,
                     CASE WHEN NOT coalesce(disable_classic_release_pipeline_creation, disable_classic_pipeline_creation, FALSE)
                          THEN 'release' END)
        || ' pipelines' AS message
FROM azure_devops.pipeline_settings
WHERE NOT (coalesce(disable_classic_build_pipeline_creation, disable_classic_pipeline_creation, FALSE)
           AND coalesce(disable_classic_release_pipeline_creation, disable_classic_pipeline_creation, FALSE))
UNION ALL
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    'build_definitions' AS resource_type,
    'Build definition "' || name || '" is a classic (designer) pipeline' AS message
FROM azure_devops.build_definitions
WHERE process_type = 1
