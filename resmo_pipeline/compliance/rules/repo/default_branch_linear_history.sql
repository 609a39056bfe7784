/*
id: repo.default_branch_linear_history
title: Default branch accepts merge commits
severity: low
resource_type: repositories
description: >
  The default branch of an active repository is not covered by an enabled, blocking "Require a merge
  strategy" policy (type $policy_type_id) that allows only squash merges or rebase with fast-forward: no such
  policy applies, or the one that applies also allows "Basic merge (no fast-forward)" (allowNoFastForward) or
  "Rebase with merge commit" (allowRebaseMerge), the two types that create merge commits. A legacy policy with
  only useSquashMerge set allows squash only. Source:
  learn.microsoft.com/azure/devops/repos/git/branch-policies#limit-merge-types and REST Policy Configurations
  (merge strategy policy settings).
rationale: >
  A linear history shows exactly the reviewed change each commit on the branch came from; merge commits can
  carry changes (conflict resolutions, evil merges) that no pull request diff showed the reviewers.
remediation: >
  Project settings > Repositories > the repository > Policies > default branch: turn on "Limit merge types" and
  allow only "Squash merge" and/or "Rebase and fast-forward".
anchors:
  cis: ["1.1.13"]
  owasp: [CICD-SEC-1]
params:
  policy_type_id: fa4e907d-c16b-4a4c-9dfa-4916e5d171ab
requires: [repositories, policy_configurations]
*/
SELECT r.organization, r.resource_id, r.resource_name, r.project_name, r.id, r.url,
       'Default branch ' || r.default_branch || ' of repository "' || r.name
           || '" does not limit merges to squash or fast-forward rebase' AS message
FROM active_repositories('policiesMid') AS r
WHERE r.default_branch IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM default_branch_policies($policy_type_id) AS d
      WHERE d.repository_id = r.id
        AND NOT json_flag(d.settings, 'allowNoFastForward') AND NOT json_flag(d.settings, 'allowRebaseMerge')
  )
