/*
id: groups.build_admin_count
title: Too many build administrators
severity: medium
resource_type: groups
description: >
  A project's Build Administrators group, or Project Collection Build Administrators, has more than $max_build_admins
  people as members, counted through nested groups (service principals and build identities are not counted; the ADO
  Security Scanner's default limit is 100, this rule's is stricter). Source: Graph Groups and Memberships APIs;
  learn.microsoft.com/azure/devops/organizations/security/permissions#project-level-groups.
rationale: >
  Build Administrators can edit, delete and re-permission every pipeline of the project (Project Collection Build
  Administrators: of every project) and manage its builds: each member can change what runs with the pipelines'
  service connections and secrets.
remediation: >
  Project settings (or Organization settings) > Permissions > Build Administrators (Project Collection Build
  Administrators) > Members: keep a small team there and give everyone else Contributor rights on pipelines.
anchors:
  adoscanner: [ADO_Project_AuthZ_Limit_Build_Admin_Count]
  owasp: [CICD-SEC-2]
params:
  max_build_admins: 10
  human_kinds: [aad, msa]
requires: [groups, effective_group_memberships, users]
*/
SELECT
    g.organization,
    g.resource_id,
    group_label(g.project_id, g.display_name, g.principal_name) AS resource_name,
    group_label(g.project_id, g.display_name, g.principal_name) || ' has ' || count(DISTINCT p.member_descriptor)
        || ' people as members, more than ' || $max_build_admins AS message
FROM azure_devops.groups AS g
JOIN group_people($human_kinds) AS p ON p.group_descriptor = g.descriptor
WHERE (g.project_id IS NOT NULL AND g.display_name = 'Build Administrators')
   OR (g.project_id IS NULL AND g.display_name = 'Project Collection Build Administrators')
GROUP BY g.organization, g.resource_id, g.project_id, g.display_name, g.principal_name
HAVING count(DISTINCT p.member_descriptor) > $max_build_admins
