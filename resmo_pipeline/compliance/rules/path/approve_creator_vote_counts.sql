/*
id: path.approve_creator_vote_counts
title: Author's own approval counts on a branch that a CI pipeline builds
severity: high
resource_type: repositories
description: >
  Attack path, three steps: (1) a "Minimum number of reviewers" policy on the default branch of an active
  repository counts the author's own vote ("Allow requestors to approve their own changes",
  creatorVoteCounts), so fewer independent approvals are needed than the policy's minimum (with a minimum
  of 1, none); (2) an enabled pipeline of that repository has a continuous-integration trigger whose branch
  filters include the default branch (or that has none), so it builds and runs every change merged there;
  (3) the message adds what that pipeline can reach: environments it deployed to and service connections
  authorized for it or open to all pipelines. Only enabled, blocking policies count; the strictest one on
  the branch decides.
rationale: >
  With the creator's vote counted, the author fills one of the required approvals, so a single colluding or
  careless reviewer (or nobody, with a minimum of 1) lets a change reach the branch; the CI pipeline then
  builds and runs it with its job access token and whatever it can reach. Source:
  learn.microsoft.com/azure/devops/repos/git/branch-policies#require-a-minimum-number-of-reviewers
  (creatorVoteCounts); learn.microsoft.com/azure/devops/pipelines/security/resources.
remediation: >
  Project settings > Repositories > the repository > Policies > the default branch > Require a minimum number
  of reviewers: clear "Allow requestors to approve their own changes" (and keep the minimum at 2 or more).
anchors:
  defender:
    - "DfC DevOps #13: Azure DevOps repositories should not allow requestors to approve their own pull requests"
  cis: ["1.1.4"]
  owasp: [CICD-SEC-1]
params:
  policy_type_id: fa4e907d-c16b-4a4c-9dfa-4906e5d171dd
requires: [repositories, policy_configurations, build_definitions, environment_deployments, pipeline_permissions]
*/
WITH review AS (
    SELECT r.id AS repository_id,
           max(p.minimum_approver_count) AS minimum,
           max(independent_approvals(p.minimum_approver_count, p.creator_vote_counts)) AS independent
    FROM azure_devops.repositories AS r
    JOIN enforced_policy_scopes($policy_type_id) AS p
      ON p.project_id = r.project_id
     AND policy_scope_applies_to_default_branch(p.scope_repository_id, p.scope_ref_name, p.scope_match_kind,
                                                r.id, r.default_branch)
    WHERE NOT coalesce(r.is_disabled, FALSE) AND r.default_branch IS NOT NULL
    GROUP BY r.id
), ci AS (
    -- a CI trigger whose branch filters include the default branch (none: every branch)
    SELECT DISTINCT b.project_id, b.id, b.name, b.repository_id
    FROM azure_devops.build_definitions AS b
    JOIN azure_devops.repositories AS r ON r.id = b.repository_id,
         unnest(CAST(b.triggers AS JSON[])) AS t(trigger)
    WHERE coalesce(b.queue_status, 'enabled') <> 'disabled'
      AND (trigger ->> 'triggerType') = 'continuousIntegration'
      AND (coalesce(json_array_length(trigger -> 'branchFilters'), 0) = 0
           OR len(list_filter(CAST(trigger -> 'branchFilters' AS VARCHAR[]),
                              lambda f: f = '+' || r.default_branch
                                        OR (ends_with(f, '*') AND starts_with('+' || r.default_branch, rtrim(f, '*')))))
              > 0)
), reach AS (
    SELECT ci.repository_id,
           string_agg('pipeline ' || ci.name || ' builds and runs it on every push'
                      || coalesce(' and can reach ' || t.targets, ''), '; ' ORDER BY ci.name) AS pipelines
    FROM ci
    LEFT JOIN (SELECT project_id, definition_id,
                      string_agg(target_kind || ' ' || target_name, ', ' ORDER BY target_kind, target_name)
                          AS targets
               FROM pipeline_reach() GROUP BY project_id, definition_id) AS t
      ON t.project_id = ci.project_id AND t.definition_id = ci.id
    GROUP BY ci.repository_id
)
SELECT
    r.organization,
    r.resource_id,
    r.name AS resource_name,
    r.project_name,
    r.id,
    'The reviewer policy on `' || regexp_replace(r.default_branch, '^refs/heads/', '') || '` of repository "'
        || r.name || '" counts the author''s own approval as one of the ' || v.minimum || ' required'
        || ' → ' || CASE WHEN v.independent = 0 THEN 'the author alone can approve a change'
                         ELSE v.independent || ' other reviewer' || CASE WHEN v.independent > 1 THEN 's' ELSE '' END
                              || ' and the author suffice' END
        || ' → ' || x.pipelines AS message
FROM azure_devops.repositories AS r
JOIN review AS v ON v.repository_id = r.id
JOIN reach AS x ON x.repository_id = r.id
WHERE v.independent < v.minimum
