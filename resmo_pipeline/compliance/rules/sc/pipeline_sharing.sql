/*
id: sc.pipeline_sharing
title: Service connection is authorized for many pipelines
severity: low
resource_type: service_connections
description: >
  A service connection is individually authorized (Pipeline permissions) for more than $max_pipelines
  pipelines, summed over the projects it is shared with; connections open to all pipelines are
  sc.all_pipelines_access's. Source: REST Pipeline Permissions - Get (pipelines[]); ADO Security Scanner
  CheckCrossPipelineSharing (more than one authorized pipeline asks for a review).
rationale: >
  Every authorized pipeline, and everyone who can edit one, can act with the connection's identity; a
  weakness in any of them reaches the connection's target. The list should stay short and deliberate.
remediation: >
  Project settings > Service connections > the connection > Security > Pipeline permissions: remove pipelines
  that no longer need it, or split the connection per pipeline with narrower identities.
anchors:
  adoscanner: [ADO_ServiceConnection_SI_Review_Pipeline_Sharing]
  owasp: [CICD-SEC-5]
params:
  max_pipelines: 1
requires: [service_connections, pipeline_permissions, build_definitions]
*/
WITH authorized AS (
    SELECT pp.resource_id_ref, pp.project_id, CAST(a.pipeline_id AS BIGINT) AS pipeline_id
    FROM azure_devops.pipeline_permissions AS pp,
         unnest(CAST(pp.authorized_pipeline_ids AS BIGINT[])) AS a(pipeline_id)
    WHERE pp.resource_type = 'endpoint'
)
SELECT sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
       'Service connection "' || sc.name || '" is authorized for ' || count(*) || ' pipelines: '
           || string_agg(coalesce(d.name, '#' || a.pipeline_id), ', ' ORDER BY coalesce(d.name, '#' || a.pipeline_id))
           || '; check that each still needs it' AS message
FROM azure_devops.service_connections AS sc
JOIN authorized AS a ON a.resource_id_ref = sc.id
LEFT JOIN azure_devops.build_definitions AS d ON d.project_id = a.project_id AND d.id = a.pipeline_id
GROUP BY sc.organization, sc.resource_id, sc.name, sc.project_name, sc.id
HAVING count(*) > $max_pipelines
