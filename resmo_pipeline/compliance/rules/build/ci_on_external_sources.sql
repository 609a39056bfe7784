/*
id: build.ci_on_external_sources
title: CI or scheduled builds run code from an external repository
severity: high
resource_type: build_definitions
description: >
  A build definition whose repository is not Azure Repos (type other than $trusted_types) has a continuous
  integration or scheduled trigger (triggers[].triggerType continuousIntegration / schedule). Sources: ADO
  Security Scanner CheckCIScheduledBuildTrigger; REST Build Definitions (BuildTrigger.triggerType).
rationale: >
  CI and scheduled runs get the pipeline's job token and resources without anyone in the organization
  approving the code: a commit pushed to the external repository runs with them.
remediation: >
  Edit the pipeline > Triggers: turn off continuous integration and scheduled builds (or add `trigger: none`
  and remove `schedules` from the YAML); queue such builds manually after review.
anchors:
  adoscanner: [ADO_Build_DP_Disable_CI_On_External_Sources]
  owasp: [CICD-SEC-4]
params:
  trusted_types: [TfsGit, TfsVersionControl]
requires: [build_definitions]
*/
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.id,
    'Build definition "' || d.name || '" runs '
        || string_agg(DISTINCT CASE t.trigger ->> 'triggerType' WHEN 'schedule' THEN 'scheduled builds'
                                                                 ELSE 'continuous integration' END, ' and ')
        || ' on external ' || coalesce(d.repository_type, 'unknown') || ' repository "'
        || coalesce(d.repository_name, '?') || '"' AS message
FROM azure_devops.build_definitions AS d, unnest(CAST(coalesce(d.triggers, '[]') AS JSON[])) AS t(trigger)
WHERE NOT list_contains($trusted_types, coalesce(d.repository_type, ''))
  AND (t.trigger ->> 'triggerType') IN ('continuousIntegration', 'schedule')
GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.id, d.repository_type, d.repository_name
