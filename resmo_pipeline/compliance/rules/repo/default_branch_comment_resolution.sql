/*
id: repo.default_branch_comment_resolution
title: Default branch does not require comment resolution
severity: low
resource_type: repositories
description: >
  The default branch of an active repository has no enabled, blocking "Comment requirements" policy (type
  $policy_type_id, "Check for comment resolution" set to Required), so a pull request can complete while
  reviewers' comments are still open. Source:
  learn.microsoft.com/azure/devops/repos/git/branch-policies#check-for-comment-resolution
rationale: >
  A reviewer who flags a problem in a comment instead of rejecting the pull request is otherwise ignored: the
  change can be merged with the concern unresolved.
remediation: >
  Project settings > Repositories > the repository > Policies > default branch: turn on "Check for comment
  resolution" with "Required".
anchors:
  psrule: [Azure.DevOps.Repos.DefaultBranchPolicyCommentResolution]
  cis: ["1.1.11"]
  owasp: [CICD-SEC-1]
params:
  policy_type_id: c6a1889d-b943-4856-b76f-9e46bb6b0df2
requires: [repositories, policy_configurations]
*/
SELECT organization, resource_id, resource_name, project_name, id, url,
       'Default branch ' || default_branch || ' of repository "' || name
           || '" does not require comments to be resolved before completion' AS message
FROM repositories_without_enforced_policy($policy_type_id)
