/*
id: env.prod_approval
title: Production environment lacks an independent human approval
severity: high
resource_type: environments
description: >
  An environment whose name looks like production has no Approval check, its approvers include a broad
  group (such as Contributors or Valid Users), or the person who queued the run may approve it.
rationale: >
  The approval on a production environment is the last human gate before a deployment; a broad group or
  self-approval turns it into a formality.
remediation: >
  Pipelines > Environments > the environment > Approvals and checks: add an Approval with named approvers
  or a small dedicated group, and turn off "Allow approvers to approve their own runs".
anchors:
  adoscanner:
    - ADO_Environment_AuthZ_Enable_PreDeployment_Approval
    - ADO_Environment_AuthZ_Review_PreDeployment_Approvers
    - ADO_Environment_Dont_Grant_Broader_Group_Access_As_Approvers
  owasp: [CICD-SEC-1]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users, Everyone]
requires: [environments, check_configurations]
*/
WITH approvals AS (
    SELECT c.project_id, c.resource_id_ref,
           coalesce(c.requester_cannot_be_approver, FALSE) AS requester_cannot_be_approver,
           broad_approvers(c.approvers, $broad_groups) AS broad
    FROM enabled_checks() AS c
    WHERE c.resource_type = 'environment'
      AND c.type_name = 'Approval'
), judged AS (
    SELECT e.organization, e.resource_id, e.name, e.project_name, e.id,
           count(a.resource_id_ref) AS approval_checks,
           list_distinct(flatten(list(a.broad) FILTER (WHERE a.broad IS NOT NULL))) AS broad_groups,
           bool_or(NOT a.requester_cannot_be_approver) AS self_approval
    FROM azure_devops.environments AS e
    LEFT JOIN approvals AS a ON a.project_id = e.project_id AND a.resource_id_ref = CAST(e.id AS VARCHAR)
    WHERE regexp_matches(e.name, $production_pattern)
    GROUP BY ALL
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Production environment "' || name || '" '
        || CASE WHEN approval_checks = 0 THEN 'has no Approval check'
                ELSE concat_ws('; ',
                               CASE WHEN len(broad_groups) > 0
                                    THEN 'has broad groups as approvers: ' || array_to_string(broad_groups, ', ') END,
                               CASE WHEN self_approval THEN 'lets the requester approve their own run' END)
           END AS message
FROM judged
WHERE approval_checks = 0 OR len(broad_groups) > 0 OR self_approval
