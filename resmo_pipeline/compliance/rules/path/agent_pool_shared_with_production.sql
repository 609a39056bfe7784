/*
id: path.agent_pool_shared_with_production
title: "Pipelines non-administrators can edit share a self-hosted pool with production deployments"
severity: high
resource_type: agent_pools
description: >
  A person or group that is not an administrator (not one of privileged_groups(), not in $excluded_groups) can
  edit a build definition ("Edit build pipeline", as in path_pipeline_editors) → that pipeline runs on a
  self-hosted agent pool (its default queue or a pool its YAML names) → another pipeline that deploys to
  production runs on the same pool: its YAML has a deployment job to an environment, or names a service
  connection, whose name looks like production (parameter production_pattern: prod, production, prd), or it may
  use a protected credential with such a name. Pools are organization-wide, so the pipelines may be in different
  projects. The message names at most $max_named editable and $max_named production pipelines.
rationale: >
  Self-hosted agents keep their files, tools and processes between jobs; code put into an editable pipeline can
  stay on the agent and tamper with the next production deployment or read its credentials (agent persistence).
  Microsoft advises separate pools for pipelines of different trust. Sources:
  learn.microsoft.com/azure/devops/pipelines/security/misc (agents, "don't share self-hosted agents"),
  learn.microsoft.com/azure/devops/pipelines/agents/pools-queues.
remediation: >
  Give production deployments their own self-hosted pool (Organization settings > Agent pools) with pipeline
  permissions for those pipelines only, or use ephemeral scale-set agents; deny "Edit build pipeline" to
  Contributors on the other pipelines.
anchors:
  owasp: [CICD-SEC-7, CICD-SEC-5]
params:
  max_named: 5
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
  excluded_groups: [Build Administrators]
requires: [agent_pools, agent_queues, build_definitions, pipeline_yaml_elements, access_control_lists,
           security_namespaces, effective_group_memberships, groups, pipeline_permissions,
           check_configurations, service_connections, variable_groups]
*/
WITH pools AS (
    SELECT p.*, d.name AS definition_name
    FROM path_pipeline_pools() AS p
    JOIN azure_devops.build_definitions AS d ON d.project_id = p.project_id AND d.id = p.definition_id
    WHERE NOT coalesce(p.pool_is_hosted, TRUE) AND coalesce(d.queue_status, 'enabled') = 'enabled'
), production AS (
    SELECT p.project_id, p.definition_id, p.pool_id,
           'pipeline ' || p.definition_name || ' deploys to production from it ('
               || coalesce(
                      (SELECT 'environment ' || min(e.environment) FROM azure_devops.pipeline_yaml_elements AS e
                       WHERE e.project_id = p.project_id AND e.definition_id = p.definition_id
                         AND regexp_matches(coalesce(e.environment, ''), $production_pattern)),
                      (SELECT 'service connection ' || min(n.name)
                       FROM azure_devops.pipeline_yaml_elements AS e,
                            unnest(CAST(coalesce(e.service_connections, '[]') AS VARCHAR[])) AS n(name)
                       WHERE e.project_id = p.project_id AND e.definition_id = p.definition_id
                         AND regexp_matches(n.name, $production_pattern)),
                      (SELECT min(s.label) FROM path_pipeline_secrets() AS s
                       WHERE s.project_id = p.project_id AND s.definition_id = p.definition_id
                         AND regexp_matches(s.resource_name, $production_pattern))) || ')' AS step
    FROM pools AS p
), editable AS (
    SELECT p.project_id, p.definition_id, p.pool_id, p.definition_name, d.process_type, d.repository_name,
           string_agg(DISTINCT e.subject_name, ', ') AS editors
    FROM pools AS p
    JOIN path_pipeline_editors() AS e ON e.project_id = p.project_id AND e.definition_id = p.definition_id
    JOIN azure_devops.build_definitions AS d ON d.project_id = p.project_id AND d.id = p.definition_id
    WHERE NOT list_contains($excluded_groups, identity_short_name(e.subject_name))
    GROUP BY ALL
), paths AS (
    SELECT e.pool_id,
           path_edit_step(e.editors, e.definition_name, e.process_type, e.repository_name) AS entry,
           pr.step
    FROM editable AS e
    JOIN production AS pr ON pr.pool_id = e.pool_id AND pr.step IS NOT NULL
                          AND NOT (pr.project_id = e.project_id AND pr.definition_id = e.definition_id)
)
SELECT
    ap.organization, ap.resource_id, ap.name AS resource_name, NULL AS project_name, ap.id,
    path_message([
              path_capped_list(list(p.entry), $max_named, '; '),
              'the pipeline runs on self-hosted pool ' || ap.name,
              path_capped_list(list(p.step), $max_named, '; ')]) AS message
FROM paths AS p
JOIN azure_devops.agent_pools AS ap ON ap.id = p.pool_id
GROUP BY ap.organization, ap.resource_id, ap.name, ap.id
