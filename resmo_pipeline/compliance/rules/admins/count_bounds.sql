/*
id: admins.count_bounds
title: Too few or too many administrators, or users assigned to Project Collection Administrators directly
severity: medium
resource_type: groups
description: >
  Project Collection Administrators has fewer than $min_collection_admins or more than
  $max_collection_admins human members (counted through nested groups), or a user is a direct member of it
  instead of through a managed group; a project's Project Administrators has fewer than $min_project_admins
  or more than $max_project_admins human members.
rationale: >
  Too few administrators is a continuity risk (nobody left to recover access); too many widens the attack
  surface. Direct assignments bypass the group reviews done in Entra ID.
remediation: >
  Keep 2-6 collection administrators, granted through one managed (Entra) group; add or remove project
  administrators so each project has a small team of them.
anchors:
  adoscanner:
    - ADO_Organization_AuthZ_Limit_Admin_Count
    - ADO_Organization_BCDR_Min_Admin_Count
    - ADO_Project_AuthZ_Limit_Admin_Count
    - ADO_Project_BCDR_Min_Admin_Count
  maester: [AZDO.1030]
  cis: ["1.3.3"]
  owasp: [CICD-SEC-2]
params:
  min_collection_admins: 2
  max_collection_admins: 6
  min_project_admins: 2
  max_project_admins: 10
  allow_direct_collection_admins: false
  human_kinds: [aad, msa]
requires: [groups, effective_group_memberships]
*/
WITH admin_groups AS (
    SELECT organization, resource_id, descriptor, project_id, is_collection_admins, group_name,
           CASE WHEN is_collection_admins THEN $min_collection_admins ELSE $min_project_admins END AS lower_bound,
           CASE WHEN is_collection_admins THEN $max_collection_admins ELSE $max_project_admins END AS upper_bound
    FROM privileged_groups()
    WHERE is_collection_admins OR is_project_admins
), members AS (
    SELECT g.descriptor,
           count(DISTINCT m.member_descriptor) AS humans,
           count(DISTINCT m.member_descriptor) FILTER (WHERE m.is_direct) AS direct_humans
    FROM admin_groups AS g
    LEFT JOIN azure_devops.effective_group_memberships AS m
        ON m.organization = g.organization AND m.group_descriptor = g.descriptor
       AND list_contains($human_kinds, m.member_kind)
    GROUP BY g.descriptor
)
SELECT
    g.organization,
    g.resource_id,
    g.group_name AS resource_name,
    g.group_name || ': ' || concat_ws('; ',
              CASE WHEN m.humans < g.lower_bound
                   THEN m.humans || ' human member(s), fewer than ' || g.lower_bound END,
              CASE WHEN m.humans > g.upper_bound
                   THEN m.humans || ' human members, more than ' || g.upper_bound END,
              CASE WHEN g.is_collection_admins AND m.direct_humans > 0 AND NOT $allow_direct_collection_admins
                   THEN m.direct_humans || ' user(s) assigned directly instead of through a group' END)
        AS message
FROM admin_groups AS g JOIN members AS m USING (descriptor)
WHERE m.humans < g.lower_bound
   OR m.humans > g.upper_bound
   OR (g.is_collection_admins AND m.direct_humans > 0 AND NOT $allow_direct_collection_admins)
