/*
id: build.default_branch_protected
title: YAML pipeline's default branch has no branch policy
severity: medium
resource_type: build_definitions
description: >
  A YAML build definition on an Azure Repos repository has a default branch (repository.defaultBranch, the
  branch whose YAML is used for scheduled and manual runs) not covered by an enabled, blocking branch policy
  requiring reviewers ($min_reviewers_policy_type) or a successful build ($build_policy_type). A policy
  scoped to the repository's default branch counts only when the pipeline's branch is that default branch.
  Sources: ADO Security Scanner CheckYAMLDefaultBranch;
  learn.microsoft.com/azure/devops/repos/git/branch-policies.
rationale: >
  Scheduled and repository-triggered runs use the YAML on the pipeline's default branch; if anyone may push
  to it, anyone may change what the pipeline does with its protected resources.
remediation: >
  Project settings > Repositories > the repository > Policies > the branch: require a minimum number of
  reviewers (or build validation), or point the pipeline's default branch at a protected branch.
anchors:
  adoscanner: [ADO_Build_DP_Verify_Default_Branch]
  owasp: [CICD-SEC-1]
params:
  min_reviewers_policy_type: fa4e907d-c16b-4a4c-9dfa-4906e5d171dd
  build_policy_type: 0609b952-1397-4640-95ec-e00a01b2c241
requires: [build_definitions, repositories, policy_configurations]
*/
WITH pipelines AS (
    SELECT d.organization, d.resource_id, d.name, d.project_name, d.project_id, d.id, d.repository_id,
           coalesce(d.raw ->> '$.repository.defaultBranch', r.default_branch) AS branch,
           r.default_branch AS repository_default_branch, r.name AS repository_name
    FROM azure_devops.build_definitions AS d
    JOIN azure_devops.repositories AS r ON r.id = d.repository_id
    WHERE d.process_type = 2 AND d.repository_type = 'TfsGit'
),
scopes AS (
    SELECT * FROM enforced_policy_scopes($min_reviewers_policy_type)
    UNION ALL
    SELECT * FROM enforced_policy_scopes($build_policy_type)
)
SELECT
    p.organization,
    p.resource_id,
    p.name AS resource_name,
    p.project_name,
    p.id,
    'Build definition "' || p.name || '" runs the YAML of branch ' || coalesce(p.branch, '?') || ' of "'
        || p.repository_name || '", which no reviewer or build policy protects' AS message
FROM pipelines AS p
WHERE p.branch IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM scopes AS s
    WHERE s.project_id = p.project_id
      AND policy_scope_applies_to_default_branch(s.scope_repository_id, s.scope_ref_name, s.scope_match_kind,
                                                 p.repository_id, p.branch)
      AND (s.scope_match_kind IS DISTINCT FROM 'DefaultBranch' OR p.branch = p.repository_default_branch))
