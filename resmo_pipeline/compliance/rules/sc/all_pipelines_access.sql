/*
id: sc.all_pipelines_access
title: Service connection is authorized for all pipelines
severity: high
resource_type: service_connections
description: >
  A service connection is open to every pipeline of a project ("Grant access permission to all pipelines"),
  so any pipeline anyone creates there can use its credential.
rationale: >
  A pipeline author who can edit or create any YAML pipeline gets the connection's cloud permissions without
  an administrator ever approving that use (OWASP CICD-SEC-5, insufficient pipeline-based access control).
remediation: >
  Project settings > Service connections > the connection > Security > Pipeline permissions: turn off
  "Open access" and authorize only the pipelines that need it.
anchors:
  adoscanner: [ADO_ServiceConnection_AuthZ_Dont_Grant_All_Pipelines_Access]
  defender: ["DfC DevOps #7: Azure DevOps service connections should not grant access to all pipelines"]
  owasp: [CICD-SEC-5]
requires: [service_connections, pipeline_permissions]
*/
SELECT
    sc.organization,
    sc.resource_id,
    sc.name AS resource_name,
    sc.project_name,
    sc.id,
    'Service connection "' || sc.name || '" (' || sc.type || ') is authorized for all pipelines in '
        || string_agg(DISTINCT coalesce(pp.project_name, pp.project_id), ', ' ORDER BY coalesce(pp.project_name, pp.project_id))
        AS message
FROM azure_devops.service_connections AS sc
JOIN open_to_all_pipelines(['endpoint']) AS pp
    ON pp.resource_id_ref = sc.id
GROUP BY sc.organization, sc.resource_id, sc.name, sc.project_name, sc.id, sc.type
