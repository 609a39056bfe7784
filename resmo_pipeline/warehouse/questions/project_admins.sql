-- Members of each project's Project Administrators group (directly or through groups).
-- param project = : only this project (empty: every project)
SELECT m.organization, p.name AS project,
       coalesce(u.display_name, g2.display_name, m.member_descriptor) AS member, m.member_kind, m.depth
FROM azure_devops.effective_group_memberships AS m
JOIN azure_devops.groups AS g ON g.organization = m.organization AND g.descriptor = m.group_descriptor
JOIN azure_devops.projects AS p ON p.organization = g.organization AND p.id = g.project_id
LEFT JOIN azure_devops.users AS u ON u.organization = m.organization AND u.descriptor = m.member_descriptor
LEFT JOIN azure_devops.groups AS g2 ON g2.organization = m.organization AND g2.descriptor = m.member_descriptor
WHERE g.is_project_admins AND ($project = '' OR p.name = $project)
ORDER BY m.organization, project, m.depth, member
