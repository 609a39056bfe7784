/*
id: path.sc_cross_project_reach
title: "A service connection shared into another project is used there by pipelines its people can edit"
severity: high
resource_type: service_connections
description: >
  A service connection is shared with more than one project (serviceEndpointProjectReferences) → in a project
  other than the one it was created in (service_connections.project_id, the first project listing it), a build
  definition may use it (open to all pipelines of that project, or authorized) → people or groups of that project
  who are not administrators (not privileged_groups(), not in $excluded_groups) can edit that pipeline
  (path_pipeline_editors) → the connection has no Approval check (for a YAML pipeline, also no Branch control and
  no Required template check). The message names at most $max_named pipelines.
rationale: >
  Sharing hands the credential to another project's administrators and pipeline authors: the owners of the
  connection no longer decide who changes the code that uses it, and only checks on the connection still apply.
  Sources: learn.microsoft.com/azure/devops/pipelines/library/service-endpoints#share-a-service-connection,
  learn.microsoft.com/azure/devops/pipelines/security/projects,
  learn.microsoft.com/azure/devops/pipelines/security/resources.
remediation: >
  Stop sharing the connection (service connection > Security > Project permissions) and create a separate,
  narrowly scoped one in the other project, or add an Approval (and Branch control) check and authorize only the
  pipelines that need it there.
anchors:
  adoscanner: [ADO_ServiceConnection_SI_Dont_Share_Across_Projects]
  owasp: [CICD-SEC-5, CICD-SEC-2]
params:
  max_named: 5
  excluded_groups: [Build Administrators]
requires: [service_connections, pipeline_permissions, check_configurations, build_definitions, variable_groups,
           access_control_lists, security_namespaces, effective_group_memberships, groups]
*/
WITH editors AS (
    SELECT project_id, definition_id, string_agg(DISTINCT subject_name, ', ') AS names
    FROM path_pipeline_editors()
    WHERE NOT list_contains($excluded_groups, identity_short_name(subject_name))
    GROUP BY ALL
), steps AS (
    SELECT s.resource_id_ref, d.project_name,
           'in project ' || d.project_name || ' pipeline ' || d.name || ' may use it (' || s.access || ') → '
               || path_edit_step(e.names, d.name, d.process_type, d.repository_name) AS step
    FROM path_pipeline_secrets() AS s
    JOIN azure_devops.service_connections AS sc ON sc.id = s.resource_id_ref
    JOIN azure_devops.build_definitions AS d ON d.project_id = s.project_id AND d.id = s.definition_id
    JOIN editors AS e ON e.project_id = d.project_id AND e.definition_id = d.id
    WHERE s.resource_type = 'endpoint'
      AND coalesce(sc.shared_project_count, json_array_length(sc.project_ids), 1) > 1
      AND s.project_id <> sc.project_id
      AND NOT s.has_approval
      AND (coalesce(d.process_type, 2) = 1 OR (NOT s.has_branch_control AND NOT s.has_required_template))
)
SELECT
    sc.organization, sc.resource_id, sc.name AS resource_name, sc.project_name, sc.id,
    path_message([
              'Service connection ' || sc.name || ' of project ' || sc.project_name || ' is shared with '
                  || string_agg(DISTINCT st.project_name, ', '),
              path_capped_list(list(st.step), $max_named, '; '),
              'it has no approval check',
              any_value(path_wide_scope(sc.type, sc.scope_level, sc.authorization_scope))]) AS message
FROM steps AS st
JOIN azure_devops.service_connections AS sc ON sc.id = st.resource_id_ref
GROUP BY sc.organization, sc.resource_id, sc.name, sc.project_name, sc.id
