/*
id: repo.default_branch_work_item_linking
title: Default branch does not require linked work items
severity: low
resource_type: repositories
description: >
  The default branch of an active repository has no enabled, blocking "Work item linking" policy (type
  $policy_type_id, "Check for linked work items" set to Required), so changes can reach it without a work item
  that says why they were made. Source:
  learn.microsoft.com/azure/devops/repos/git/branch-policies#check-for-linked-work-items
rationale: >
  Requiring a linked work item ties each change on the branch releases are built from to an approved task,
  which makes unplanned or unauthorized changes visible and keeps an audit trail.
remediation: >
  Project settings > Repositories > the repository > Policies > default branch: turn on "Check for linked work
  items" with "Required".
anchors:
  cis: ["1.1.2"]
  owasp: [CICD-SEC-1]
params:
  policy_type_id: 40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e
requires: [repositories, policy_configurations]
*/
SELECT organization, resource_id, resource_name, project_name, id, url,
       'Pull requests into ' || default_branch || ' of repository "' || name || '" need no linked work item'
           AS message
FROM repositories_without_enforced_policy($policy_type_id)
