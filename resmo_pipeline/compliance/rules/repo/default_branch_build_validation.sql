/*
id: repo.default_branch_build_validation
title: Default branch does not require a successful build
severity: medium
resource_type: repositories
description: >
  The default branch of an active repository has no enabled, blocking build-validation policy, so pull
  requests can complete without the pipeline passing.
rationale: >
  Build validation runs tests and security scans before code reaches the branch releases are built from.
remediation: >
  Project settings > Repositories > the repository > Policies > default branch > Build validation: add the
  CI pipeline with "Policy requirement: Required".
anchors:
  cis: ["1.1.9"]
  owasp: [CICD-SEC-1]
params:
  policy_type_id: 0609b952-1397-4640-95ec-e00a01b2c241
requires: [repositories, policy_configurations]
*/
WITH scopes AS (
    SELECT p.project_id, s.entry.repositoryId AS repository_id, s.entry.refName AS ref_name,
           s.entry.matchKind AS match_kind
    FROM azure_devops.policy_configurations AS p,
         unnest(from_json(p.scope, '[{"repositoryId":"VARCHAR","refName":"VARCHAR","matchKind":"VARCHAR"}]')) AS s(entry)
    WHERE p.organization = $organization
      AND p.type_id = $policy_type_id
      AND p.is_enabled AND p.is_blocking AND NOT coalesce(p.deleted, FALSE)
)
SELECT
    r.organization,
    r.resource_id,
    r.name AS resource_name,
    r.project_name,
    r.id,
    'Default branch ' || coalesce(r.default_branch, '?') || ' of repository "' || r.name
        || '" has no required (blocking) build validation' AS message
FROM azure_devops.repositories AS r
WHERE r.organization = $organization
  AND NOT coalesce(r.is_disabled, FALSE)
  AND r.default_branch IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM scopes AS s
      WHERE s.project_id = r.project_id
        AND (s.repository_id IS NULL OR s.repository_id = r.id)
        AND (s.match_kind = 'DefaultBranch'
             OR (s.match_kind = 'Exact' AND s.ref_name = r.default_branch)
             OR (s.match_kind = 'Prefix' AND starts_with(r.default_branch, s.ref_name))
             OR (s.match_kind IS NULL AND s.ref_name IS NULL))
  )
