/*
id: pipeline.queue_time_variables
title: Definition variables are settable at queue or release time
severity: low
resource_type: build_definitions
description: >
  A build definition has variables marked "Settable at queue time", or a release definition or one of its
  stages has variables marked "Settable at release time" (allowOverride): whoever queues a run or creates a
  release may replace their values. Every such variable is listed for review (pipeline.settable_variables flags the URL and
  credential-like ones as high). Sources: REST Build Definitions (BuildDefinitionVariable.allowOverride),
  learn.microsoft.com/azure/devops/pipelines/process/variables#allow-at-queue-time.
rationale: >
  A value set at queue time flows into scripts and task inputs; each settable variable is a way for someone
  who may only run the pipeline to change what it does.
remediation: >
  Edit the pipeline > Variables: clear "Let users override this value when running this pipeline" / "Settable
  at release time" on every variable that does not need it; use runtime parameters with a fixed list of values
  instead.
anchors:
  adoscanner:
    - ADO_Build_SI_Review_Variables_Settable_At_Queue_Time
    - ADO_Release_SI_Review_Variables_Settable_At_Release_Time
  owasp: [CICD-SEC-4]
requires: [build_definitions, release_definitions]
*/
WITH settable AS (
    SELECT resource_type, organization, resource_id, name, project_name, id, variable
    FROM definition_variables()
    WHERE allow_override
    UNION ALL
    SELECT 'release_definitions', d.organization, d.resource_id, d.name, d.project_name, CAST(d.id AS VARCHAR),
           (d.stage ->> 'name') || '/' || v.key
    FROM release_stages() AS d, json_each(d.stage -> 'variables') AS v
    WHERE json_flag(v.value, 'allowOverride') AND NOT coalesce(d.deleted, FALSE)
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    resource_type,
    id,
    CASE resource_type WHEN 'build_definitions' THEN 'Build definition "' || name || '" lets these variables be set at queue time: '
                       ELSE 'Release definition "' || name || '" lets these variables be set at release time: ' END
        || string_agg(variable, ', ' ORDER BY variable) AS message
FROM settable
GROUP BY organization, resource_id, name, project_name, resource_type, id
