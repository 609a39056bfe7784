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
SELECT
    r.organization,
    r.resource_id,
    r.name AS resource_name,
    r.project_name,
    r.id,
    'Default branch ' || coalesce(r.default_branch, '?') || ' of repository "' || r.name
        || '" has no required (blocking) build validation' AS message
FROM azure_devops.repositories AS r
WHERE NOT coalesce(r.is_disabled, FALSE)
  AND r.default_branch IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM enforced_policy_scopes($policy_type_id) AS s
      WHERE s.project_id = r.project_id
        AND policy_scope_applies_to_default_branch(s.scope_repository_id, s.scope_ref_name, s.scope_match_kind,
                                                   r.id, r.default_branch)
  )
