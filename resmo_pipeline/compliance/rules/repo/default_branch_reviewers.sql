/*
id: repo.default_branch_reviewers
title: Default branch does not require enough independent reviewers
severity: high
resource_type: repositories
description: >
  The default branch of an active repository has no enabled, blocking "Minimum number of reviewers" policy
  that requires at least $min_approvers approvers, does not count the author's own vote and resets votes
  when new changes are pushed.
rationale: >
  Without independent review one person (or one stolen account) can put any code on the branch pipelines
  build and deploy from.
remediation: >
  Project settings > Repositories > the repository > Policies > default branch: require a minimum number of
  reviewers (at least 2), clear "Allow requestors to approve their own changes" and turn on "Reset all
  approval votes" on new pushes.
anchors:
  defender:
    - "DfC DevOps #12: Azure DevOps repositories should require minimum two-reviewer approval for code pushes"
    - "DfC DevOps #13: Azure DevOps repositories should not allow requestors to approve their own pull requests"
  cis: ["1.1.3", "1.1.4"]
  owasp: [CICD-SEC-1]
params:
  min_approvers: 2
  policy_type_id: fa4e907d-c16b-4a4c-9dfa-4906e5d171dd
requires: [repositories, policy_configurations]
*/
WITH scopes AS (
    SELECT p.project_id, p.scope_repository_id, p.scope_ref_name, p.scope_match_kind
    FROM enforced_policy_scopes($policy_type_id) AS p
    WHERE p.minimum_approver_count >= $min_approvers
      AND NOT coalesce(p.creator_vote_counts, TRUE)
      AND coalesce(p.reset_on_source_push, FALSE)
)
SELECT
    r.organization,
    r.resource_id,
    r.name AS resource_name,
    r.project_name,
    r.id,
    'Default branch ' || coalesce(r.default_branch, '?') || ' of repository "' || r.name
        || '" does not require ' || $min_approvers
        || ' independent approvals (enabled, blocking, creator vote not counted, reset on push)' AS message
FROM azure_devops.repositories AS r
WHERE NOT coalesce(r.is_disabled, FALSE)
  AND r.default_branch IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM scopes AS s
      WHERE s.project_id = r.project_id
        AND policy_scope_applies_to_default_branch(s.scope_repository_id, s.scope_ref_name, s.scope_match_kind,
                                                   r.id, r.default_branch)
  )
