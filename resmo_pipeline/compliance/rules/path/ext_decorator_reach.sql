/*
id: path.ext_decorator_reach
title: Third-party pipeline decorator runs in every pipeline and reaches their service connections
severity: critical
resource_type: extensions
description: >
  Attack path, three steps: (1) an installed, enabled extension from a publisher outside the allow list
  (Microsoft's publishers by default) contributes a pipeline decorator (contribution type
  ms.azure-pipelines.pipeline-decorator); (2) a decorator is injected into every job of every pipeline of the
  organization that its targets cover (ms.azure-pipelines-agent-job.* for YAML and classic build
  pipelines, ms.azure-release-pipelines-agent-job.* for release pipelines; a decorator without known targets
  counts as a build decorator); (3) the build pipelines may use service connections (authorized for them, or
  open to all pipelines), whose credentials the injected steps can use. A decorator that reaches no build
  pipeline or no service connection is left to ext.risky_extensions. The message counts the pipelines and names the connections, and lists the extension's critical
  OAuth scopes (code write, build execute, ...).
rationale: >
  A decorator's steps run with each job's access token and next to its secrets and service connections;
  whoever controls the publisher's next version controls every pipeline of the organization. Source:
  learn.microsoft.com/azure/devops/extend/develop/add-pipeline-decorator (decorators run in every pipeline,
  targets); learn.microsoft.com/azure/devops/marketplace/install-extension (extension scopes).
remediation: >
  Organization settings > Extensions: uninstall the extension unless its publisher is vetted and the
  decorator is required; prefer a Required template check over a decorator for mandatory steps.
anchors:
  adoscanner:
    - ADO_Organization_SI_Review_Auto_Injected_Extensions
  owasp: [CICD-SEC-8, CICD-SEC-3]
params:
  allowed_publishers: [ms, ms-devlabs, ms-securitydevops, ms-vsts, ms-vscs-rm, ms-vss, ms-azure-devops, ms-eswm]
  critical_scopes: [vso.code_write, vso.code_manage, vso.code_full, vso.build_execute, vso.release_manage,
                    vso.release_execute, vso.serviceendpoint_manage, vso.security_manage, vso.identity_manage,
                    vso.variablegroups_manage, app_token]
requires: [extensions, build_definitions, release_definitions, pipeline_permissions, environment_deployments]
*/
WITH decorators AS (
    SELECT e.*,
           list_distinct(flatten(
               [CAST(c -> 'targets' AS VARCHAR[])
                FOR c IN coalesce(CAST(e.raw -> 'contributions' AS JSON[]), [])
                IF c ->> 'type' = 'ms.azure-pipelines.pipeline-decorator'])) AS targets,
           list_filter(coalesce(CAST(e.scopes AS VARCHAR[]), []), lambda s: list_contains($critical_scopes, s))
               AS critical
    FROM azure_devops.extensions AS e
    WHERE coalesce(e.has_pipeline_decorator, FALSE)
      AND NOT coalesce(e.is_built_in, FALSE)
      AND NOT coalesce(e.is_disabled, FALSE)
      AND NOT list_contains($allowed_publishers, e.publisher_id)
), judged AS (
    SELECT d.*,
           -- no targets known: a build (agent job) decorator, the common case
           len(d.targets) = 0 OR len(list_filter(d.targets, lambda t: starts_with(t, 'ms.azure-pipelines-agent-job.')))
               > 0 AS in_builds,
           len(list_filter(d.targets, lambda t: starts_with(t, 'ms.azure-release-pipelines-agent-job.'))) > 0
               AS in_releases
    FROM decorators AS d
), counted AS (
    SELECT j.organization, j.resource_id, j.publisher_id, j.extension_id,
           coalesce(j.extension_name, j.extension_id) AS name, j.critical, j.in_builds, j.in_releases,
           CASE WHEN j.in_builds THEN (SELECT count(*) FROM azure_devops.build_definitions) ELSE 0 END AS builds,
           CASE WHEN j.in_releases THEN (SELECT count(*) FROM azure_devops.release_definitions
                                         WHERE NOT coalesce(deleted, FALSE)) ELSE 0 END AS releases,
           CASE WHEN j.in_builds
                THEN (SELECT list(DISTINCT r.target_name ORDER BY r.target_name) FROM pipeline_reach() AS r
                      WHERE r.target_kind = 'service connection') END AS connections
    FROM judged AS j
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    'Extension "' || name || '" (' || publisher_id || '.' || extension_id || ', publisher not allow-listed'
        || CASE WHEN len(critical) > 0 THEN ', scopes ' || array_to_string(critical, ', ') ELSE '' END
        || ') injects a pipeline decorator → it runs in every job of '
        || concat_ws(' and ', CASE WHEN in_builds THEN builds || ' build pipelines' END,
                     CASE WHEN in_releases THEN releases || ' release pipelines' END)
        || ' of the organization → '
        || 'the build pipelines can use ' || len(connections) || ' service connection'
        || CASE WHEN len(connections) > 1 THEN 's' ELSE '' END || ': ' || array_to_string(connections, ', ')
        || ', which the injected steps can use too' AS message
FROM counted
WHERE builds > 0 AND len(coalesce(connections, [])) > 0
