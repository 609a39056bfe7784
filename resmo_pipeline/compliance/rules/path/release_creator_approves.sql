/*
id: path.release_creator_approves
title: Release approver can create the release and approve its deployment alone
severity: high
resource_type: release_definitions
description: >
  Attack path, three steps: (1) a stage of a classic release pipeline has manual pre-deployment approvals
  with "The user requesting a release or deployment should not approve it" off
  (approvalOptions.releaseCreatorCanBeApprover true) and one approval is enough (requiredApproverCount 1, or
  a single approver); (2) an approver, named or through a group, is a member of a project group that may create
  releases by default (Contributors, Release Administrators, Project Administrators); (3) that person can
  create a release and approve its deployment to the stage themselves.
rationale: >
  A pre-deployment approval is the separation of duties between whoever starts a deployment and whoever
  allows it; when the release creator may approve, one account does both. Source:
  learn.microsoft.com/azure/devops/pipelines/release/approvals/approvals (pre-deployment approvals, "The user
  requesting a release or deployment should not approve it"); REST Release Definitions
  (ReleaseDefinitionApprovals.approvalOptions.releaseCreatorCanBeApprover, requiredApproverCount);
  learn.microsoft.com/azure/devops/pipelines/policies/permissions (Create releases).
remediation: >
  Edit the release pipeline > the stage > Pre-deployment conditions > Pre-deployment approvals: turn on "The
  user requesting a release or deployment should not approve it", or require two approvers.
anchors:
  adoscanner:
    - ADO_Release_AuthZ_Review_PreDeployment_Approvers
  owasp: [CICD-SEC-1]
params:
  starter_groups: [Contributors, Release Administrators, Project Administrators]
requires: [release_definitions, users, groups, effective_group_memberships, user_entitlements]
*/
WITH stages AS (
    SELECT d.organization, d.resource_id, d.name, d.project_name, d.project_id, d.id, stage ->> 'name' AS stage,
           [a -> 'approver'
            FOR a IN CAST(stage -> '$.preDeployApprovals.approvals' AS JSON[])
            IF NOT json_flag(a, 'isAutomated')] AS approvers,
           coalesce(TRY_CAST(stage ->> '$.preDeployApprovals.approvalOptions.requiredApproverCount' AS INTEGER), 0)
               AS required
    FROM release_stages() AS d
    WHERE NOT coalesce(d.deleted, FALSE)
      AND json_flag(stage -> '$.preDeployApprovals.approvalOptions', 'releaseCreatorCanBeApprover')
), self_approvable AS (
    SELECT s.*, a.display_name, a.via_group
    FROM stages AS s, unnest(s.approvers) AS x(approver)
    JOIN approver_starters($starter_groups) AS a
      ON a.project_id = s.project_id AND a.identity_descriptor = approver_descriptor(x.approver)
    WHERE len(s.approvers) > 0 AND (s.required = 1 OR len(s.approvers) = 1)
), per_stage AS (
    SELECT organization, resource_id, name, project_name, id, stage,
           string_agg(DISTINCT display_name || ' (via ' || via_group || ')', ', ') AS people
    FROM self_approvable
    GROUP BY ALL
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Release definition "' || name || '": '
        || string_agg('stage "' || stage || '" lets the release creator approve, one approval being enough → '
                      || 'approver ' || people || ' may create a release of it → the same person approves its '
                      || 'deployment to "' || stage || '" alone', '; ' ORDER BY stage) AS message
FROM per_stage
GROUP BY organization, resource_id, name, project_name, id
