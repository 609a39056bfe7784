/*
id: ext.risky_extensions
title: Risky installed extension
severity: high
resource_type: extensions
description: >
  An installed extension comes from a publisher that is not allow-listed, holds a critical scope (write
  access to code, running builds, managing the organization), was last published more than
  $stale_days days ago, is a preview, or contributes a pipeline decorator (code injected into every
  pipeline run).
rationale: >
  Extensions run with the scopes they were granted for every user; a decorator runs inside every pipeline
  with its secrets. A compromised or abandoned publisher is a supply-chain path into the organization.
remediation: >
  Organization settings > Extensions: uninstall extensions you do not need; review the publisher and scopes
  of the rest; add trusted publishers to the allow list (`allowed_publishers`).
anchors:
  adoscanner:
    - ADO_Organization_SI_Review_Installed_Extensions
    - ADO_Organization_SI_Review_Auto_Injected_Extensions
  owasp: [CICD-SEC-8, CICD-SEC-3]
params:
  allowed_publishers: [ms, ms-devlabs, ms-securitydevops, ms-vsts, ms-vscs-rm, ms-vss, ms-azure-devops, ms-eswm]
  critical_scopes: [vso.code_write, vso.code_manage, vso.code_full, vso.build_execute, vso.release_manage,
                    vso.release_execute, vso.serviceendpoint_manage, vso.security_manage, vso.identity_manage,
                    vso.memberentitlementmanagement_write, vso.tokenadministration, vso.variablegroups_manage,
                    app_token]
  stale_days: 730
requires: [extensions]
*/
WITH judged AS (
    SELECT *,
           list_filter(coalesce(CAST(scopes AS VARCHAR[]), []), lambda s: list_contains($critical_scopes, s)) AS critical
    FROM azure_devops.extensions
    WHERE NOT coalesce(is_built_in, FALSE)
      AND NOT coalesce(is_disabled, FALSE)
), reasons AS (
    SELECT *,
           concat_ws('; ',
                     CASE WHEN NOT list_contains($allowed_publishers, publisher_id)
                          THEN 'publisher ' || publisher_id || ' is not allow-listed' END,
                     CASE WHEN len(critical) > 0 THEN 'critical scopes ' || array_to_string(critical, ', ') END,
                     CASE WHEN older_than_days(last_published, $stale_days)
                          THEN 'last published ' || days_since(last_published) || ' days ago' END,
                     CASE WHEN coalesce(flags, '') ILIKE '%preview%' THEN 'preview' END,
                     CASE WHEN has_pipeline_decorator THEN 'injects a pipeline decorator into every run' END)
               AS why
    FROM judged
)
SELECT
    organization,
    resource_id,
    coalesce(extension_name, extension_id) AS resource_name,
    'Extension "' || coalesce(extension_name, extension_id) || '" (' || publisher_id || '.' || extension_id
        || '): ' || why AS message
FROM reasons
WHERE why <> ''
