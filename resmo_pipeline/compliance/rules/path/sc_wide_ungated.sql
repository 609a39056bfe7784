/*
id: path.sc_wide_ungated
title: "A subscription-wide Azure service connection without checks is reachable by pipelines"
severity: critical
resource_type: service_connections
description: >
  An Azure Resource Manager service connection is scoped to a whole subscription or management group (no resource
  group in its scope) → it has no Approval, Branch control or Required template check → pipelines may use it: it
  is open to all pipelines of a project, or build definitions are authorized for it (pipeline_permissions). The
  message names the pipelines that can reach it (up to $max_named).
rationale: >
  Every run of those pipelines, from any branch and by anyone who can queue or change them, gets a token that can
  change everything in the subscription. Checks on the connection are the only control their authors do not own.
  Sources: learn.microsoft.com/azure/devops/pipelines/security/resources,
  learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure,
  learn.microsoft.com/azure/devops/pipelines/process/approvals.
remediation: >
  Scope the connection's role assignment to the resource groups it deploys to, add Branch control (protected
  branches, verify branch protection) and an Approval under Approvals and checks, and authorize only the pipelines
  that need it (turn off "Grant access permission to all pipelines").
anchors:
  adoscanner:
    - ADO_ServiceConnection_AuthZ_Use_Least_Privilege_Access
    - ADO_ServiceConnection_AuthZ_Enable_Branch_Control
  owasp: [CICD-SEC-5, CICD-SEC-6]
params:
  max_named: 5
requires: [service_connections, pipeline_permissions, check_configurations, build_definitions, variable_groups]
*/
WITH reach AS (
    SELECT resource_id_ref, any_value(wide_scope) AS wide_scope,
           list(d.name || ' (' || s.access || ')') AS pipelines
    FROM path_pipeline_secrets() AS s
    JOIN azure_devops.build_definitions AS d ON d.project_id = s.project_id AND d.id = s.definition_id
    WHERE s.resource_type = 'endpoint' AND s.wide_scope IS NOT NULL
      AND NOT s.has_approval AND NOT s.has_branch_control AND NOT s.has_required_template
    GROUP BY ALL
)
SELECT
    sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
    path_message([
              'Azure service connection ' || sc.name || ' is scoped to ' || r.wide_scope,
              'it has no approval, branch control or required template check',
              len(list_distinct(r.pipelines)) || ' pipelines may use it: '
                  || path_capped_list(r.pipelines, $max_named, ', ')]) AS message
FROM reach AS r
JOIN azure_devops.service_connections AS sc ON sc.id = r.resource_id_ref
