/*
id: yaml.parse_error
title: Pipeline YAML file cannot be analysed
severity: low
resource_type: build_definitions
description: >
  The YAML file of a YAML pipeline, read from its repository's default branch, is not valid YAML (it does not
  parse), so none of the yaml.* rules could look at it.
rationale: >
  Azure Pipelines rejects such a file too, so the pipeline cannot run from the default branch as it stands;
  and until it parses, its scripts, templates, containers and deployments are checked by no rule here, which
  would otherwise report them as compliant by omission.
remediation: >
  Open the file at the reported line and fix the YAML (indentation, a missing colon or quote); the pipeline
  editor's Validate shows the same error.
anchors:
  owasp: [CICD-SEC-1]
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT * EXCLUDE (line), coalesce(line, 1) AS line, location || ': ' || regexp_replace(coalesce(error, '?'), '\s+', ' ', 'g') AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'parse_error'
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" has a YAML file that does not parse: '
           || array_to_string(details, '; ') AS message
FROM yaml_pipeline_findings(hits)
