/*
id: build.static_analysis
title: YAML pipeline runs no static code or credential analysis
severity: low
resource_type: build_definitions
description: >
  A YAML build definition whose file was read and parsed, and which uses no templates (steps from templates
  cannot be seen), has no step running a known static-analysis or credential-scanning task
  ($analysis_tasks, compared without the @version). Pipelines using templates, unreadable files and classic
  pipelines are not evaluated. Sources: ADO Security Scanner ADO_Build_Config_Add_Static_Code_Analyzer;
  learn.microsoft.com/azure/devops/articles/security-validation-cicd-pipeline and
  learn.microsoft.com/azure/defender-for-cloud/azure-devops-extension (Microsoft Security DevOps task).
rationale: >
  Static analysis and secret scanning in CI find vulnerabilities and leaked credentials before they ship;
  a pipeline without any such step relies on reviews alone.
remediation: >
  Add an analysis step to the pipeline (e.g. MicrosoftSecurityDevOps@1, AdvancedSecurity-Codeql-Analyze@1
  or SonarQube/SonarCloud analysis), or extend a required template that runs one.
anchors:
  adoscanner: [ADO_Build_Config_Add_Static_Code_Analyzer]
  owasp: [CICD-SEC-3]
params:
  analysis_tasks: [MicrosoftSecurityDevOps, AdvancedSecurity-Codeql-Analyze, AdvancedSecurity-Dependency-Scanning,
                   CredScan, SonarQubeAnalyze, SonarCloudAnalyze, SnykSecurityScan, WhiteSource, Semmle,
                   ms-codeanalysis.vss-microsoft-security-code-analysis-devops.build-task-credscan.CredScan]
requires: [build_definitions, pipeline_yaml_files, pipeline_yaml_elements]
*/
WITH evaluated AS (
    SELECT d.organization, d.resource_id, d.name, d.project_name, d.project_id, d.id
    FROM azure_devops.build_definitions AS d
    JOIN azure_devops.pipeline_yaml_files AS f ON f.project_id = d.project_id AND f.definition_id = d.id
    WHERE d.process_type = 2 AND f.read_error IS NULL AND f.content IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM azure_devops.pipeline_yaml_elements AS e
                      WHERE e.project_id = d.project_id AND e.definition_id = d.id
                        AND e.kind IN ('template', 'extends', 'parse_error'))
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '" runs no static code analysis or credential scanning step' AS message
FROM evaluated AS d
WHERE NOT EXISTS (SELECT 1 FROM azure_devops.pipeline_yaml_elements AS e
                  WHERE e.project_id = d.project_id AND e.definition_id = d.id AND e.kind = 'task'
                    AND list_contains($analysis_tasks, split_part(e.task, '@', 1)))
