/*
id: release.prod_approval
title: Production release stage is approved automatically or by the release creator
severity: high
resource_type: release_definitions
description: >
  A classic release pipeline has a stage whose name looks like production (or pre-production) with
  automated pre-deployment approval, or lets the release creator approve the deployment.
rationale: >
  A pre-deployment approval by someone other than the person who created the release is the separation of
  duties that keeps one account from shipping to production alone.
remediation: >
  Edit the release pipeline > the stage > Pre-deployment conditions > Pre-deployment approvals: add named
  approvers and turn on "The user requesting a release or deployment should not approve it".
anchors:
  adoscanner:
    - ADO_Release_AuthZ_Enable_PreDeployment_Approvals
    - ADO_Release_AuthZ_Review_PreDeployment_Approvers
  owasp: [CICD-SEC-1]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
requires: [release_definitions]
*/
WITH stages AS (
    SELECT d.organization, d.resource_id, d.name, d.project_name, d.id,
           stage ->> 'name' AS stage,
           coalesce(json_array_length(stage -> '$.preDeployApprovals.approvals'), 0) AS approvals,
           coalesce(list_bool_and([coalesce(TRY_CAST(a ->> 'isAutomated' AS BOOLEAN), FALSE)
                                   FOR a IN CAST(stage -> '$.preDeployApprovals.approvals' AS JSON[])]), TRUE)
               AS automated,
           coalesce(TRY_CAST(stage ->> '$.preDeployApprovals.approvalOptions.releaseCreatorCanBeApprover' AS BOOLEAN),
                    FALSE) AS creator_can_approve
    FROM release_stages() AS d
    WHERE NOT coalesce(d.deleted, FALSE)
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Release definition "' || name || '": '
        || string_agg(
               'stage "' || stage || '" '
               || CASE WHEN automated THEN 'is approved automatically' ELSE 'lets the release creator approve' END,
               '; ' ORDER BY stage) AS message
FROM stages
WHERE regexp_matches(stage, $production_pattern)
  AND (automated OR creator_can_approve)
GROUP BY organization, resource_id, name, project_name, id
