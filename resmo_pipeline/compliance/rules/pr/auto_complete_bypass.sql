/*
id: pr.auto_complete_bypass
title: Active pull request set to auto-complete overriding branch policies
severity: high
resource_type: pull_requests
description: >
  An active pull request has auto-complete set (autoCompleteSetBy) with "Override branch policies and enable
  merge" (completionOptions.bypassPolicy true): it will merge as soon as it can, without the target branch's
  required reviewers and builds, on the authority of the person who set auto-complete. Source:
  learn.microsoft.com/azure/devops/repos/git/complete-pull-requests#set-a-pull-request-to-autocomplete and REST
  Pull Requests (autoCompleteSetBy, completionOptions.bypassPolicy).
rationale: >
  The bypass is decided before anyone has reviewed the final changes: later pushes to the source branch merge
  too, unreviewed.
remediation: >
  Open the pull request and cancel auto-complete, or set it again without "Override branch policies"; let the
  policies pass.
anchors:
  owasp: [CICD-SEC-1]
params: {}
requires: [pull_requests]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       label || ' will merge into ' || target_branch || ' without passing its policies: ' || auto_complete_set_by
           || ' set auto-complete with "Override branch policies" (reason: '
           || coalesce(nullif(bypass_reason, ''), 'none given') || ')' AS message
FROM pull_request_findings()
WHERE status = 'active' AND auto_complete_set_by IS NOT NULL AND coalesce(bypass_policy, FALSE)
