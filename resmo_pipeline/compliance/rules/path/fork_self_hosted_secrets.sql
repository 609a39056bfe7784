/*
id: path.fork_self_hosted_secrets
title: "Fork pull requests run on a self-hosted pool where credentials are used"
severity: high
resource_type: build_definitions
description: >
  A build definition builds pull requests from forks (an enabled pull-request trigger with forks enabled) → its
  jobs run on a self-hosted agent pool (its default queue or a pool its YAML names) → secrets are within reach of
  that code: fork builds get the pipeline's secrets ("Make secrets available to builds of forks") and the pipeline
  has secret variables or may use credentials (path_pipeline_secrets), or another pipeline that runs on the same
  pool may use a credential with no Approval, Branch control or Required template check. Fork pull requests are
  not built when the project or the organization limits fork builds (forkProtectionEnabled) and does not allow
  them (buildsEnabledForForks off); they get no secrets when it limits them with
  enforceNoAccessToSecretsFromForks. The message names at most $max_named of those other pipelines.
rationale: >
  Code from a fork is written by anyone who can open a pull request. On a self-hosted agent it runs on a machine
  that keeps its state between jobs, so it can read the secrets given to the fork build or stay on the agent and
  steal the credentials of the next pipeline that runs there. Sources:
  learn.microsoft.com/azure/devops/pipelines/security/repos (forks),
  learn.microsoft.com/azure/devops/pipelines/security/misc (self-hosted agents),
  learn.microsoft.com/azure/devops/pipelines/repos/azure-repos-git#contributions-from-forks.
remediation: >
  Build fork pull requests only on Microsoft-hosted agents (or ephemeral scale-set agents) or stop building forks
  (pipeline > Triggers > Pull request validation > Forks), clear "Make secrets available to builds of forks", and
  keep production pipelines on a separate pool.
anchors:
  adoscanner: [ADO_Build_DP_Do_Not_Use_Forked_Repo_With_Self_Hosted_Agent]
  owasp: [CICD-SEC-4, CICD-SEC-7]
params:
  max_named: 5
requires: [build_definitions, agent_queues, pipeline_yaml_elements, pipeline_settings, organization_pipeline_settings,
           pipeline_permissions, check_configurations, service_connections, variable_groups]
*/
WITH protection AS (
    SELECT project_id,
           (coalesce(fork_protection_enabled, FALSE) AND NOT coalesce(builds_enabled_for_forks, TRUE))
               OR (path_org_setting('forkProtectionEnabled') AND NOT path_org_setting('buildsEnabledForForks'))
               AS no_fork_builds,
           (coalesce(fork_protection_enabled, FALSE) AND coalesce(enforce_no_access_to_secrets_from_forks, FALSE))
               OR (path_org_setting('forkProtectionEnabled') AND path_org_setting('enforceNoAccessToSecretsFromForks'))
               AS no_fork_secrets
    FROM azure_devops.pipeline_settings
), forks AS (
    SELECT d.*, p.pool_id AS self_hosted_pool_id, p.pool_name AS self_hosted_pool,
           coalesce(pr.no_fork_secrets, FALSE) AS no_fork_secrets
    FROM azure_devops.build_definitions AS d
    JOIN path_pipeline_pools() AS p ON p.project_id = d.project_id AND p.definition_id = d.id
    LEFT JOIN protection AS pr ON pr.project_id = d.project_id
    WHERE d.fork_builds_enabled AND NOT coalesce(p.pool_is_hosted, TRUE)
      AND coalesce(d.queue_status, 'enabled') = 'enabled'
      AND NOT coalesce(pr.no_fork_builds, FALSE)
), own AS (
    SELECT f.project_id, f.id,
           concat_ws('; ',
                     CASE WHEN coalesce(f.secret_variable_count, 0) > 0
                          THEN 'secret pipeline variables (' || f.secret_variable_count || ')' END,
                     s.labels) AS labels
    FROM forks AS f
    LEFT JOIN path_secret_summary(TRUE) AS s ON s.project_id = f.project_id AND s.definition_id = f.id
    WHERE f.fork_allow_secrets AND NOT f.no_fork_secrets
      AND (coalesce(f.secret_variable_count, 0) > 0 OR s.labels IS NOT NULL)
    GROUP BY ALL
), neighbours AS (
    SELECT f.project_id, f.id,
           path_capped_list(list('pipeline ' || o.name || ' (' || o.project_name || ') may use ' || s.labels),
                            $max_named, '; ') AS labels
    FROM forks AS f
    JOIN path_pipeline_pools() AS p ON p.pool_id = f.self_hosted_pool_id
    JOIN azure_devops.build_definitions AS o ON o.project_id = p.project_id AND o.id = p.definition_id
    JOIN path_secret_summary(FALSE) AS s ON s.project_id = o.project_id AND s.definition_id = o.id
    WHERE NOT (o.project_id = f.project_id AND o.id = f.id)
    GROUP BY ALL
), pools AS (
    SELECT project_id, id, string_agg(DISTINCT self_hosted_pool, ', ') AS pools
    FROM forks
    GROUP BY ALL
)
SELECT
    d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
    path_message([
              'Pipeline ' || d.name || ' builds pull requests from forks',
              'they run on self-hosted pool ' || pl.pools,
              concat_ws('; ',
                        CASE WHEN own.labels IS NOT NULL
                             THEN 'fork builds get its secrets ("Make secrets available to builds of forks") '
                                  || 'and it may use ' || own.labels END,
                        CASE WHEN n.labels IS NOT NULL
                             THEN 'the agents keep state between jobs, and on the same pool ' || n.labels
                                  || ' with no approval, branch control or required template check' END)])
        AS message
FROM pools AS pl
JOIN azure_devops.build_definitions AS d ON d.project_id = pl.project_id AND d.id = pl.id
LEFT JOIN own ON own.project_id = d.project_id AND own.id = d.id
LEFT JOIN neighbours AS n ON n.project_id = d.project_id AND n.id = d.id
WHERE own.labels IS NOT NULL OR n.labels IS NOT NULL
