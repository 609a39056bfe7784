/*
id: yaml.scan_continue_on_error
title: Security scans cannot fail the pipeline
severity: low
resource_type: build_definitions
description: >
  A security scanning task of a YAML pipeline (Microsoft Security DevOps, GitHub Advanced Security for Azure
  DevOps, CredScan, component governance, Mend / WhiteSource, Snyk, SonarQube / SonarCloud, Checkmarx,
  Veracode, OWASP dependency check, Trivy, ... as named by the scan_task_pattern parameter) has
  `continueOnError: true`.
rationale: >
  With continueOnError a failing step only marks the run "partially succeeded" and every later step and
  stage runs as if it had passed, so a found vulnerability, leaked credential or failed quality gate never
  stops a merge or a deployment; the scan becomes a report nobody has to read.
  Source: learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-task (continueOnError) and
  learn.microsoft.com/azure/devops/pipelines/security/overview.
remediation: >
  Remove continueOnError from the scan, and if its findings must not block yet, configure the tool's own
  break/fail threshold (severity, baseline or suppressions) so that new high findings still fail the run.
anchors:
  owasp: [CICD-SEC-1]
params:
  scan_task_pattern: '(?i)^(MicrosoftSecurityDevOps|AdvancedSecurity-[A-Za-z-]+|CredScan|PostAnalysis|SdtReport|AntiMalware|ComponentGovernanceComponentDetection|WhiteSource|WhiteSourceBolt|MendScan|SnykSecurityScan|SonarQubeAnalyze|SonarQubePublish|SonarCloudAnalyze|SonarCloudPublish|Veracode[A-Za-z-]*|checkmarx[A-Za-z-]*|dependency-check-build-task|trivy[A-Za-z-]*|TerraformSecurity[A-Za-z-]*|checkov[A-Za-z-]*)@'
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT *, location || ' (' || task || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind IN ('task', 'script')
      AND continue_on_error
      AND regexp_matches(coalesce(task, ''), $scan_task_pattern)
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" lets security scans fail without stopping the run (continueOnError) at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
