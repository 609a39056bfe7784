/*
id: path.approve_own_pr_deployed
title: Self-approved pull request was merged and deployed by a pipeline
severity: high
resource_type: pull_requests
description: >
  Attack path, three steps: (1) a completed pull request was approved by its own author (author_approved: vote
  10 or 5) and by nobody else; (2) a pipeline run built its merge commit (the pull request's lastMergeCommit) on the target
  branch of the same repository; (3) that run deployed to an environment (an environment deployment record of
  the run). Together: one person put a change into a branch and into a deployment target without anyone else
  looking at it.
rationale: >
  Branch policies are meant to make a second person review every change before pipelines build and deploy
  it. When the author's vote is enough (the policy counts the creator's vote, or the pull request bypassed
  the policy), a single account, stolen or malicious, ships code to the environments the pipeline deploys
  to. Source: learn.microsoft.com/azure/devops/repos/git/branch-policies (Require a minimum number of
  reviewers, "Allow requestors to approve their own changes"); REST Pull Requests (reviewers[].vote,
  lastMergeCommit); REST Environments - Environment Deployment Records (owner = the run).
remediation: >
  Review what the pull request changed and what the run deployed. Then Project settings > Repositories > the
  repository > Policies > the target branch: Require a minimum number of reviewers, clear "Allow requestors
  to approve their own changes", and limit "Bypass policies when completing pull requests" to a break-glass
  group.
anchors:
  defender:
    - "DfC DevOps #13: Azure DevOps repositories should not allow requestors to approve their own pull requests"
  cis: ["1.1.4"]
  owasp: [CICD-SEC-1]
requires: [pull_requests, pipeline_runs, environment_deployments]
*/
WITH self_approved AS (
    SELECT pr.*, pr.raw ->> '$.lastMergeCommit.commitId' AS merge_commit,
           coalesce(pr.raw ->> '$.createdBy.displayName', pr.created_by) AS author
    FROM azure_devops.pull_requests AS pr
    WHERE pr.status = 'completed'
      AND coalesce(pr.author_approved, FALSE)
      AND coalesce(pr.approval_count, 0) = 0
), builds AS (
    SELECT pr.repository_id, pr.pull_request_id, run.definition_name,
           string_agg(DISTINCT d.environment_name, ', ' ORDER BY d.environment_name) AS environments,
           min(run.build_number) AS build_number
    FROM self_approved AS pr
    JOIN azure_devops.pipeline_runs AS run
      ON run.repository_id = pr.repository_id
     AND run.source_version = pr.merge_commit
     AND run.source_branch = pr.target_branch
    JOIN azure_devops.environment_deployments AS d
      ON d.project_id = run.project_id AND d.owner_id = run.id
    GROUP BY pr.repository_id, pr.pull_request_id, run.definition_name
), deployed AS (
    SELECT repository_id, pull_request_id,
           string_agg('pipeline ' || definition_name || ' built its merge commit (run ' || build_number
                      || ') and deployed it to environment ' || environments, '; ' ORDER BY definition_name)
               AS deployments
    FROM builds
    GROUP BY repository_id, pull_request_id
)
SELECT
    pr.organization,
    pr.resource_id,
    pr.title AS resource_name,
    pr.project_name,
    pr.pull_request_id AS id,
    project_url(pr.organization, pr.project_name) || '/_git/' || url_encode(pr.repository_name)
        || '/pullrequest/' || pr.pull_request_id AS url,
    pr.author || ' created pull request !' || pr.pull_request_id || ' "' || pr.title || '" into `'
        || regexp_replace(pr.target_branch, '^refs/heads/', '') || '` of ' || pr.repository_name
        || ' → ' || pr.author || ' approved it without any other approval'
        || CASE WHEN coalesce(pr.bypass_policy, FALSE) THEN ' (completed bypassing branch policies)' ELSE '' END
        || ' → it completed and ' || d.deployments AS message
FROM self_approved AS pr
JOIN deployed AS d ON d.repository_id = pr.repository_id AND d.pull_request_id = pr.pull_request_id
