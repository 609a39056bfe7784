/*
id: protected_resource.checks
title: Production resource lacks branch control or has broad approvers
severity: medium
resource_type: check_configurations
description: >
  A service connection, variable group, secure file, agent queue or repository whose name looks like
  production has neither a Branch control nor a Required template check, or its Approval check names a broad
  group as approver.
rationale: >
  Branch control (or a required template) ensures only pipelines from protected branches, which passed
  review, can use production credentials; broad approvers make the approval meaningless.
remediation: >
  Open the resource > Approvals and checks: add "Branch control" allowing only refs/heads/main (and verify
  branch protection) or "Required template"; use named approvers or a small dedicated group.
anchors:
  adoscanner:
    - ADO_ServiceConnection_AuthZ_Enable_Branch_Control
    - ADO_VariableGroup_AuthZ_Enable_Branch_Control
    - ADO_SecureFile_AuthZ_Enable_Branch_Control
    - ADO_AgentPool_AuthZ_Enable_Branch_Control
    - ADO_Repository_AuthZ_Enable_Branch_Control
    - ADO_ServiceConnection_DP_Use_Template_From_Protected_Branch
    - ADO_VariableGroup_DP_Use_Template_From_Protected_Branch
    - ADO_ServiceConnection_Dont_Grant_Broader_Group_Access_As_Approvers
    - ADO_VariableGroup_Dont_Grant_Broader_Group_Access_As_Approvers
  owasp: [CICD-SEC-1, CICD-SEC-5]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users, Everyone]
  resource_types: [endpoint, variablegroup, securefile, queue, repository]
requires: [pipeline_permissions, check_configurations]
*/
WITH resources AS (
    SELECT DISTINCT organization, resource_type, resource_id_ref, resource_name,
           first(project_name ORDER BY project_name) OVER (PARTITION BY resource_type, resource_id_ref) AS project_name,
           first(project_id ORDER BY project_name) OVER (PARTITION BY resource_type, resource_id_ref) AS project_id
    FROM azure_devops.pipeline_permissions
    WHERE list_contains($resource_types, resource_type)
      AND regexp_matches(coalesce(resource_name, ''), $production_pattern)
), checks AS (
    SELECT resource_type, resource_id_ref,
           bool_or(type_name = 'ExtendsCheck'
                   OR (type_name = 'Task Check'
                       AND (settings ->> '$.definitionRef.name') = 'evaluatebranchProtection')) AS branch_protected,
           list_distinct(flatten(list(broad_approvers(approvers, $broad_groups)))) AS broad
    FROM enabled_checks()
    GROUP BY resource_type, resource_id_ref
)
SELECT
    r.organization,
    CASE WHEN r.resource_type = 'queue' THEN r.project_id || '/' || r.resource_id_ref ELSE r.resource_id_ref END
        AS resource_id,
    r.resource_name,
    r.project_name,
    pipeline_resource_table(r.resource_type) AS resource_type,
    r.resource_id_ref AS id,
    'Production ' || pipeline_resource_label(r.resource_type) || ' "' || r.resource_name || '" '
        || concat_ws('; ',
                     CASE WHEN NOT coalesce(c.branch_protected, FALSE)
                          THEN 'has no Branch control or Required template check' END,
                     CASE WHEN len(coalesce(c.broad, [])) > 0
                          THEN 'has broad groups as approvers: ' || array_to_string(c.broad, ', ') END) AS message
FROM resources AS r
LEFT JOIN checks AS c ON c.resource_type = r.resource_type AND c.resource_id_ref = r.resource_id_ref
WHERE NOT coalesce(c.branch_protected, FALSE) OR len(coalesce(c.broad, [])) > 0
