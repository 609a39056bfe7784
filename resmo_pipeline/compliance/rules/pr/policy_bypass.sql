/*
id: pr.policy_bypass
title: Pull request completed by overriding branch policies
severity: high
resource_type: pull_requests
description: >
  A pull request was completed with "Override branch policies and enable merge" (completionOptions.bypassPolicy
  true): whoever completed it used the "Bypass policies when completing pull requests" permission, so required
  reviewers, builds and other policies of the target branch did not have to pass. Only pull requests the
  inventory holds are seen (active ones and those closed in the last RESMO_PULL_REQUESTS_DAYS days, 30 by
  default). Source: learn.microsoft.com/azure/devops/repos/git/branch-policies#bypass-branch-policies and REST
  Pull Requests (GitPullRequestCompletionOptions.bypassPolicy, bypassReason).
rationale: >
  A bypass merges code nobody was required to review or test. It is sometimes needed in an emergency, which is
  why each one should be reviewed after the fact; frequent bypasses mean the permission is granted too widely.
remediation: >
  Review the change that was merged (and its bypass reason) with the person who completed it; if bypasses are
  not exceptional, remove "Bypass policies when completing pull requests" from the groups that hold it
  (Project settings > Repositories > Security).
anchors:
  cis: ["1.1.14"]
  owasp: [CICD-SEC-1]
params: {}
requires: [pull_requests]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       label || ' was completed into ' || target_branch || ' by ' || coalesce(closed_by, '?')
           || ' overriding branch policies (reason: ' || coalesce(nullif(bypass_reason, ''), 'none given') || ')'
           AS message
FROM pull_request_findings()
WHERE status = 'completed' AND coalesce(bypass_policy, FALSE)
