/*
id: yaml.deploy_outside_deployment_job
title: Deployment tasks run outside a deployment job
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline runs a deployment task (App Service, Functions, ARM/Bicep, Kubernetes, Helm, SQL DACPAC,
  Container Apps, ... as named by the deploy_task_pattern parameter) in a regular job (`job:` or the implicit
  job of a steps-only pipeline) instead of a deployment job (`deployment:` with `environment:`). Steps handed
  to templates as parameters are not judged (the template decides which job runs them).
rationale: >
  Environments' approvals and checks (and their deployment history) apply only to deployment jobs that
  target the environment; the same task in a plain job deploys without them, so the only gate left is the
  service connection's own checks. Source: learn.microsoft.com/azure/devops/pipelines/process/deployment-jobs
  and learn.microsoft.com/azure/devops/pipelines/process/environments.
remediation: >
  Move the deployment into a `deployment:` job with `environment: <name>` (and put approvals and a Branch
  control check on that environment).
anchors:
  owasp: [CICD-SEC-1]
params:
  deploy_task_pattern: '(?i)^(AzureWebApp|AzureRmWebAppDeployment|AzureWebAppContainer|AzureFunctionApp|AzureFunctionAppContainer|AzureResourceManagerTemplateDeployment|AzureResourceGroupDeployment|SqlAzureDacpacDeployment|AzureMysqlDeployment|KubernetesManifest|HelmDeploy|AzureContainerApps|AzureSpringCloud|AzureStaticWebApp|AzureVmssDeployment|ServiceFabricDeploy|IISWebAppDeploymentOnMachineGroup)@'
requires: [pipeline_yaml_elements]
*/
WITH steps AS (
    SELECT e.*, j.value AS job_kind
    FROM azure_devops.pipeline_yaml_elements AS e
    LEFT JOIN azure_devops.pipeline_yaml_elements AS j
        ON j.project_id = e.project_id AND j.definition_id = e.definition_id AND j.kind = 'job'
       AND j.name IS NOT DISTINCT FROM e.job AND j.stage IS NOT DISTINCT FROM e.stage
    WHERE e.kind IN ('task', 'script')
      AND regexp_matches(coalesce(e.task, ''), $deploy_task_pattern)
      AND NOT starts_with(e.yaml_path, 'extends')
      AND NOT contains(e.yaml_path, '.parameters')
), hits AS (
    SELECT * EXCLUDE (job_kind), location || ' (' || task || ' in ' || yaml_job_label(job) || ')' AS detail
    FROM steps
    WHERE coalesce(job_kind, 'job') = 'job'
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" deploys from regular jobs, outside any environment''s checks: '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
