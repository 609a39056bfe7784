/*
id: yaml.required_template
title: Pipeline uses a resource whose Required template check it does not satisfy
severity: high
resource_type: build_definitions
description: >
  An environment or service connection has a "Required template" check (ExtendsCheck), yet a YAML pipeline
  naming it (a deployment job's environment, a task's service connection input, or a template parameter)
  does not `extends:` the required template from the required repository.
rationale: >
  The Required template check is how an organization forces every pipeline touching production through a
  reviewed, central template. A pipeline that does not extend it either fails at run time or, more
  often, shows that the control is bypassed by a copy of the template or by steps written inline, and that
  whoever edits this pipeline can run arbitrary steps against the protected resource.
remediation: >
  Make the pipeline `extends: template: <path>@<alias>` with the repository resource the check names, and
  move its own steps into the template's parameters; or stop using the protected resource here.
anchors:
  adoscanner: [ADO_ServiceConnection_DP_Use_Template_From_Protected_Branch]
  owasp: [CICD-SEC-1, CICD-SEC-5]
requires: [pipeline_yaml_elements, check_configurations]
*/
WITH required_raw AS (
    SELECT c.project_id, c.resource_type, c.resource_name,
           unnest(CAST(json_extract(c.settings, '$.extendsChecks') AS JSON[])) AS requirement
    FROM azure_devops.check_configurations AS c
    WHERE c.type_name = 'ExtendsCheck'
      AND c.resource_type IN ('environment', 'endpoint')
      AND NOT coalesce(c.is_disabled, FALSE)
), required AS (
    SELECT project_id, resource_type, resource_name,
           ltrim(requirement ->> 'templatePath', '/') AS template_path,
           requirement ->> 'repositoryName' AS template_repository
    FROM required_raw
), uses AS (
    SELECT organization, project_id, project_name, definition_id, definition_name, repository_name, file_path,
           line, location, unnest(CAST(referenced_names AS VARCHAR[])) AS used_name
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind <> 'parse_error'
), extended AS (
    SELECT x.project_id, x.definition_id, lower(ltrim(x.value, '/')) AS template_path,
           lower(regexp_replace(CASE WHEN x.repository_alias IS NULL OR x.repository_alias = 'self'
                                     THEN x.repository_name ELSE r.value END, '^.*/', '')) AS repository
    FROM azure_devops.pipeline_yaml_elements AS x
    LEFT JOIN azure_devops.pipeline_yaml_elements AS r
        ON r.project_id = x.project_id AND r.definition_id = x.definition_id
       AND r.kind = 'repository' AND r.name = x.repository_alias
    WHERE x.kind = 'extends'
), unmet AS (
    SELECT DISTINCT u.*, q.resource_type, q.resource_name, q.template_path, q.template_repository
    FROM uses AS u
    JOIN required AS q ON q.project_id = u.project_id AND q.resource_name = u.used_name
    WHERE NOT EXISTS (
        SELECT 1 FROM extended AS x
        WHERE x.project_id = u.project_id AND x.definition_id = u.definition_id
          AND x.template_path = lower(q.template_path)
          AND x.repository = lower(regexp_replace(coalesce(q.template_repository, ''), '^.*/', ''))
    )
), hits AS (
    SELECT *,
           CASE resource_type WHEN 'endpoint' THEN 'service connection' ELSE resource_type END
               || ' "' || resource_name || '" at ' || location || ' requires extending ' || template_path
               || '@' || coalesce(template_repository, '?') AS detail
    FROM unmet
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" does not extend the required template: '
           || array_to_string(list_sort(list_distinct(details)), '; ') AS message
FROM yaml_pipeline_findings(hits)
