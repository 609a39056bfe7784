/*
id: build.yaml_ci_trigger
title: YAML pipeline's CI trigger is not limited to protected branches
severity: medium
resource_type: build_definitions
description: >
  A YAML build definition has a continuous-integration trigger that the YAML file itself defines
  (settingsSourceType 2: any branch's copy of the file decides which pushes run it), or whose trigger
  override in the pipeline settings includes branches other than $permitted_branches (branchFilters
  +refs/heads/...). Sources: ADO Security Scanner CheckYAMLCITrigger; REST Build Definitions
  (ContinuousIntegrationTrigger.settingsSourceType, branchFilters);
  learn.microsoft.com/azure/devops/pipelines/repos/azure-repos-git#ci-triggers.
rationale: >
  With YAML CI, anyone who may push a branch can make the pipeline run their code with its protected
  resources, without permission to queue it; an override limited to protected branches closes that path.
remediation: >
  Edit the pipeline > ... > Triggers > Continuous integration: turn on "Override the YAML continuous
  integration trigger from here" and include only protected branches (e.g. main).
anchors:
  adoscanner: [ADO_Build_DP_Configure_YAML_CI_Triggers]
  owasp: [CICD-SEC-1, CICD-SEC-4]
params:
  permitted_branches: [main, master, develop]
requires: [build_definitions]
*/
WITH ci AS (
    SELECT d.organization, d.resource_id, d.name, d.project_name, d.id,
           coalesce(TRY_CAST(t.trigger ->> 'settingsSourceType' AS INTEGER), 1) = 2 AS from_yaml,
           list_filter([regexp_replace(CAST(f AS VARCHAR), '^\+refs/heads/', '')
                        FOR f IN CAST(coalesce(t.trigger -> 'branchFilters', '[]') AS VARCHAR[])
                        IF starts_with(CAST(f AS VARCHAR), '+')],
                       lambda b: NOT list_contains($permitted_branches, b)) AS other_branches
    FROM azure_devops.build_definitions AS d, unnest(CAST(coalesce(d.triggers, '[]') AS JSON[])) AS t(trigger)
    WHERE d.process_type = 2 AND (t.trigger ->> 'triggerType') = 'continuousIntegration'
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '" '
        || CASE WHEN bool_or(from_yaml) THEN 'takes its CI trigger from the YAML file'
                ELSE 'runs CI on branches ' || array_to_string(list_distinct(flatten(list(other_branches))), ', ') END
        AS message
FROM ci
WHERE from_yaml OR len(other_branches) > 0
GROUP BY organization, resource_id, name, project_name, id
