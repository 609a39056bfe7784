/*
id: pr.no_independent_approval
title: Pull request completed into a protected branch without an independent approval
severity: high
resource_type: pull_requests
description: >
  A pull request was completed into its repository's default branch or a branch matching the parameter
  protected_branch_pattern (main, master and release/* by default) although no reviewer other than its author voted to approve it (approval_count 0:
  no vote 10 or 5 from anyone but the author), whatever policies were or were not configured. Only pull
  requests the inventory holds are seen (active ones and those closed in the last RESMO_PULL_REQUESTS_DAYS
  days). Source: REST Pull Requests (reviewers[].vote) and
  learn.microsoft.com/azure/devops/repos/git/branch-policies.
rationale: >
  This is what the branch policies are meant to prevent, observed after the fact: code reached a branch
  pipelines build and release from without anyone but its author approving it (no policy, a policy that counts
  the author, or a bypass).
remediation: >
  Have the merged change reviewed now; then require a minimum number of reviewers on the branch, not counting
  the author (repo.default_branch_reviewers), and restrict who may bypass policies.
anchors:
  defender: ["DfC DevOps #12: Default branches need approval from at least two reviewers"]
  cis: ["1.1.3"]
  owasp: [CICD-SEC-1]
params:
  protected_branch_pattern: '^refs/heads/(main|master|release/.+)$'
requires: [pull_requests, repositories]
*/
SELECT p.organization, p.resource_id, p.resource_name, p.project_name, p.url,
       p.label || ' reached ' || p.target_branch || ' with no approval from anyone but its author ' || p.created_by
           AS message
FROM pull_request_findings() AS p
LEFT JOIN azure_devops.repositories AS r ON r.id = p.repository_id
WHERE p.status = 'completed'
  AND coalesce(p.approval_count, 0) = 0
  AND (p.target_branch = r.default_branch OR regexp_matches(coalesce(p.target_branch, ''), $protected_branch_pattern))
