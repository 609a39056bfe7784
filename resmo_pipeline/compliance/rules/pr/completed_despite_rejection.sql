/*
id: pr.completed_despite_rejection
title: Pull request completed although a reviewer rejected it
severity: medium
resource_type: pull_requests
description: >
  A completed pull request still carries a "Rejected" vote (-10) from a reviewer other than its author
  (rejection_count), so it was merged over that reviewer's objection: the branch's "Minimum number of
  reviewers" policy allows completion despite rejections ("Allow completion even if some reviewers vote to
  wait or reject", allowDownvotes), no such policy applies, or policies were bypassed. Only pull requests the
  inventory holds are seen (active ones and those closed in the last RESMO_PULL_REQUESTS_DAYS days). Source:
  learn.microsoft.com/azure/devops/repos/git/branch-policies#require-a-minimum-number-of-reviewers and REST
  Pull Requests (IdentityRefWithVote.vote).
rationale: >
  A rejection is a reviewer saying the change must not go in as it is; merging over it defeats the review, and
  is what a hurried or malicious author does when approvals from others are enough.
remediation: >
  Review the merged change with the reviewer who rejected it. On the target branch's reviewers policy clear
  "Allow completion even if some reviewers vote to wait or reject".
anchors:
  cis: ["1.1.5"]
  owasp: [CICD-SEC-1]
params: {}
requires: [pull_requests]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       label || ' was completed into ' || target_branch || ' by ' || coalesce(closed_by, '?') || ' although '
           || rejection_count || ' reviewer(s) rejected it' AS message
FROM pull_request_findings()
WHERE status = 'completed' AND coalesce(rejection_count, 0) > 0
