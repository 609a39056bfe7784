/*
id: yaml.queue_time_variable_injection
title: Variables settable at queue time are pasted into scripts
severity: medium
resource_type: build_definitions
description: >
  A variable of a YAML pipeline's definition is settable at queue time ("Let users override this value when
  running this pipeline", allowOverride), and a script step or inline task script of its YAML writes it into
  the script's text as a macro or expression: `$(name)`, `${{ variables.name }}`,
  `${{ variables['name'] }}` or `$[ variables.name ]` (names compare case-insensitively, as in Azure Pipelines).
rationale: >
  Macros are replaced in the script's text before the shell parses it, so whoever queues a run can type a
  value that ends the command and runs their own, with the pipeline's secrets and service connections.
  Source: learn.microsoft.com/azure/devops/pipelines/security/inputs (queue-time variables and the
  `msbuild ... $(MyConfig)` example) and the REST BuildDefinitionVariable.allowOverride field.
remediation: >
  Clear "Settable at queue time" on the variable (or replace it by a runtime parameter with a `values:`
  list), or pass it to the script through env (`env: NOTES: $(releaseNotes)`) and use "$NOTES" quoted.
anchors:
  owasp: [CICD-SEC-4]
requires: [pipeline_yaml_elements, build_definitions, release_definitions]
*/
WITH settable AS (
    SELECT variable, resource_id,
           regexp_replace(variable, '([.\[\](){}*+?^$|\\-])', '\\\1', 'g') AS escaped
    FROM definition_variables()
    WHERE resource_type = 'build_definitions' AND allow_override
), hits AS (
    SELECT e.*, e.location || ' (' || v.variable || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements AS e
    JOIN settable AS v ON v.resource_id = e.project_id || '/' || CAST(e.definition_id AS VARCHAR)
    WHERE e.kind = 'script'
      AND regexp_matches(coalesce(e.value, ''),
                         '(?i)(\$\(\s*' || v.escaped || '\s*\)|variables\.' || v.escaped
                             || '([^A-Za-z0-9_.-]|$)|variables\[\s*''' || v.escaped || '''\s*\])')
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" pastes variables settable at queue time into scripts at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
