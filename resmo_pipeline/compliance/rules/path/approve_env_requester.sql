/*
id: path.approve_env_requester
title: Environment approver can run the deploying pipeline and approve their own run
severity: high
resource_type: environments
description: >
  Attack path, three steps: (1) an enabled Approval check on an environment lets the requester approve
  (requesterCannotBeApprover false, shown as "Allow approvers to approve their own runs") and one approval is
  enough (minimum approvers 1, or a single approver), and so does every other Approval check on the
  environment; (2) a pipeline reaches the environment (it deployed to
  it, or is authorized for it); (3) an approver, named or through a group, is a member of a project group that
  may queue that pipeline by default (Contributors, Build Administrators, Project Administrators). That person
  can queue the pipeline and approve the deployment themselves.
rationale: >
  The approval on an environment is the human gate before a deployment; when the person who queued the run
  may approve it, one account both starts and approves a deployment. Source:
  learn.microsoft.com/azure/devops/pipelines/process/approvals (Approvals: "Allow approvers to approve their
  own runs", minimum number of approvers) and learn.microsoft.com/azure/devops/pipelines/policies/permissions
  (Queue builds is allowed for Contributors by default).
remediation: >
  Pipelines > Environments > the environment > Approvals and checks > Approvals: turn off "Allow approvers to
  approve their own runs", or require at least two approvers.
anchors:
  adoscanner:
    - ADO_Environment_AuthZ_Review_PreDeployment_Approvers
  owasp: [CICD-SEC-1]
params:
  starter_groups: [Contributors, Build Administrators, Project Administrators]
requires: [environments, check_configurations, environment_deployments, pipeline_permissions, build_definitions,
           users, groups, effective_group_memberships, user_entitlements]
*/
WITH approval_checks AS (
    SELECT c.project_id, c.resource_id_ref, c.id AS check_id,
           CAST(c.approvers AS JSON[]) AS approvers,
           NOT coalesce(c.requester_cannot_be_approver, FALSE)
               AND (coalesce(c.min_required_approvers, 0) = 1 OR json_array_length(c.approvers) = 1) AS self_approvable
    FROM enabled_checks() AS c
    WHERE c.resource_type = 'environment'
      AND c.type_name = 'Approval'
), solo AS (
    -- a person who passes a self-approvable check alone
    SELECT DISTINCT a.project_id, a.resource_id_ref, a.check_id, s.user_descriptor, s.display_name, s.via_group
    FROM approval_checks AS a, unnest(a.approvers) AS x(approver)
    JOIN approver_starters($starter_groups) AS s
      ON s.project_id = a.project_id AND s.identity_descriptor = approver_descriptor(x.approver)
    WHERE a.self_approvable
), approvers AS (
    -- ... and every other Approval check on the environment too
    SELECT o.project_id, o.resource_id_ref, o.display_name, o.via_group
    FROM solo AS o
    GROUP BY o.project_id, o.resource_id_ref, o.user_descriptor, o.display_name, o.via_group
    HAVING count(DISTINCT o.check_id) = (SELECT count(*) FROM approval_checks AS a
                                         WHERE a.project_id = o.project_id AND a.resource_id_ref = o.resource_id_ref)
), pipelines AS (
    SELECT d.project_id, CAST(d.environment_id AS VARCHAR) AS environment_id, d.definition_name AS pipeline
    FROM azure_devops.environment_deployments AS d
    UNION
    SELECT p.project_id, p.resource_id_ref, b.name
    FROM azure_devops.pipeline_permissions AS p
    JOIN azure_devops.build_definitions AS b
      ON b.project_id = p.project_id AND list_contains(CAST(p.authorized_pipeline_ids AS BIGINT[]), b.id)
    WHERE p.resource_type = 'environment'
), paths AS (
    SELECT e.organization, e.resource_id, e.name, e.project_name, e.id,
           (SELECT string_agg(DISTINCT p.pipeline, ', ' ORDER BY p.pipeline) FROM pipelines AS p
            WHERE p.project_id = e.project_id AND p.environment_id = CAST(e.id AS VARCHAR)) AS pipelines,
           (SELECT string_agg(DISTINCT a.display_name || ' (via ' || a.via_group || ')', ', '
                              ORDER BY a.display_name || ' (via ' || a.via_group || ')')
            FROM approvers AS a
            WHERE a.project_id = e.project_id AND a.resource_id_ref = CAST(e.id AS VARCHAR)) AS people
    FROM azure_devops.environments AS e
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Environment "' || name || '" has an Approval check that lets the requester approve their own run, one '
        || 'approval being enough → '
        || CASE WHEN pipelines LIKE '%,%' THEN 'pipelines ' || pipelines || ' deploy'
                ELSE 'pipeline ' || pipelines || ' deploys' END
        || ' to it → approver ' || people || ' may queue it and then approve the deployment alone' AS message
FROM paths
WHERE pipelines IS NOT NULL AND people IS NOT NULL
