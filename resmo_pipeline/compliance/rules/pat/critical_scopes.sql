/*
id: pat.critical_scopes
title: Personal access token holds a critical scope
severity: medium
resource_type: personal_access_tokens
description: >
  A personal access token that still works, with custom-defined scopes, holds one of the scopes
  $critical_scopes (by default the ADO Security Scanner's CriticalPATPermissions: queue builds, run and
  manage releases). Full-access tokens are reported by pat.full_access. Source: the token administration API
  (SessionToken.scope) and learn.microsoft.com/azure/devops/integrate/get-started/authentication/oauth#scopes.
rationale: >
  With these scopes a leaked token can queue pipelines and releases, which run with the pipelines' service
  connections and secrets: a path from one developer's token to production.
remediation: >
  User settings > Personal access tokens: edit the token and drop the critical scopes, or revoke it and use a
  pipeline trigger or a service principal for automation.
anchors:
  adoscanner: [ADO_User_AuthZ_Dont_Grant_Critical_Permissions_To_PAT]
  owasp: [CICD-SEC-6]
params:
  critical_scopes: [vso.build_execute, vso.release_execute, vso.release_manage]
requires: [personal_access_tokens]
*/
SELECT
    organization,
    resource_id,
    display_name AS resource_name,
    pat_label(display_name, owner) || ' holds the critical scope(s) '
        || array_to_string(list_sort(list_intersect(scopes, $critical_scopes)), ', ') AS message
FROM active_pats()
WHERE NOT coalesce(is_full_access, FALSE)
  AND len(list_intersect(scopes, $critical_scopes)) > 0
