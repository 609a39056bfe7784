/*
id: groups.broad_group_in_admin_group
title: A group of all users is nested in an administrator group
severity: high
resource_type: groups
description: >
  One of the groups that hold (nearly) everyone ($broad_groups; project-level groups are matched by their
  short name, in any project) is a member, directly or through nested groups, of an administrator group (Project
  Collection Administrators, Project Collection Build Administrators, the service account groups or a
  project's Project Administrators). Source: Graph Groups and Memberships APIs;
  learn.microsoft.com/azure/devops/organizations/security/permissions#groups.
rationale: >
  Nesting a broad group into an administrator group makes every member of it an administrator, usually by
  mistake, and the members are not listed when someone reviews the administrator group's direct members.
remediation: >
  Organization or Project settings > Permissions > (the administrator group) > Members: remove the broad
  group (or the group that nests it) and add the few people who need to administer.
anchors:
  owasp: [CICD-SEC-2]
params:
  broad_groups: [Project Collection Valid Users, Project Valid Users, Contributors, Readers]
requires: [groups, effective_group_memberships]
*/
SELECT
    a.organization,
    a.resource_id,
    a.group_name AS resource_name,
    a.group_name || ' contains ' || string_agg(DISTINCT group_label(b.project_id, b.display_name, b.principal_name)
                                                  || CASE WHEN m.is_direct THEN '' ELSE ' (nested)' END, ', ')
        || ': every member of it is an administrator' AS message
FROM privileged_groups() AS a
JOIN azure_devops.effective_group_memberships AS m ON m.group_descriptor = a.descriptor
JOIN azure_devops.groups AS b ON b.descriptor = m.member_descriptor
WHERE list_contains($broad_groups, b.display_name)
GROUP BY a.organization, a.resource_id, a.group_name
