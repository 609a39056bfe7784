/*
id: pr.self_approval
title: Pull request approved by its own author
severity: medium
resource_type: pull_requests
description: >
  A completed pull request carries an approving vote (10 approved, or 5 approved with suggestions) from the
  person who created it. Whether that vote counted depends on the target branch's "Minimum number of
  reviewers" policy ("Allow requestors to approve their own changes"); a self-approval on a completed pull
  request shows the author took part in approving their own change. Source:
  learn.microsoft.com/azure/devops/repos/git/branch-policies#require-a-minimum-number-of-reviewers and REST
  Pull Requests (IdentityRefWithVote.vote).
rationale: >
  Four-eyes review only works when the approver is someone other than the author; self-approval is how one
  person (or one stolen account) gets code merged alone.
remediation: >
  Review the merged change with a second person. On the target branch's policy clear "Allow requestors to
  approve their own changes" (see repo.default_branch_reviewers).
anchors:
  defender: ["DfC DevOps #13: Pull-request authors cannot approve their own pull requests"]
  cis: ["1.1.3"]
  owasp: [CICD-SEC-1]
params: {}
requires: [pull_requests]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       label || ' was approved by its own author ' || created_by || ' and completed into ' || target_branch
           AS message
FROM pull_request_findings()
WHERE status = 'completed' AND coalesce(author_approved, FALSE)
