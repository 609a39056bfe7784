/*
id: sc.cross_project_sharing
title: Service connection is shared across projects
severity: high
resource_type: service_connections
description: A service connection is shared with more than one project.
rationale: >
  Every project it is shared with can use the credential, and administrators of any of them can authorize
  their pipelines; a project boundary no longer limits who can deploy with it.
remediation: >
  Give each project its own connection (with its own narrowly scoped identity) and stop sharing this one
  (service connection > Security > Project permissions).
anchors:
  adoscanner: [ADO_ServiceConnection_SI_Dont_Share_Across_Projects]
  owasp: [CICD-SEC-5]
params:
  max_projects: 1
requires: [service_connections]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Service connection "' || name || '" is shared with '
        || coalesce(shared_project_count, json_array_length(project_ids)) || ' projects' AS message
FROM azure_devops.service_connections
WHERE coalesce(shared_project_count, json_array_length(project_ids), 1) > $max_projects
