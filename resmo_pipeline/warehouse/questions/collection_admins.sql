-- Members of Project Collection Administrators (directly or through groups), and who added them.
-- Everyone here can change every setting, permission and pipeline of the organization. "added_by" comes from
-- the change history (empty for members that were already there when the organization was first synced).
-- param organization = : only this organization (empty: every one)
SELECT m.organization,
       coalesce(u.display_name, g.display_name, sp.display_name, m.member_descriptor) AS member,
       coalesce(u.principal_name, g.principal_name, sp.principal_name) AS principal_name,
       m.member_kind,
       m.depth,
       m.is_direct,
       c.actor AS added_by,
       c.detected_at AS added_seen_at
FROM azure_devops.effective_group_memberships AS m
LEFT JOIN azure_devops.users AS u ON u.organization = m.organization AND u.descriptor = m.member_descriptor
LEFT JOIN azure_devops.groups AS g ON g.organization = m.organization AND g.descriptor = m.member_descriptor
LEFT JOIN azure_devops.service_principals AS sp
       ON sp.organization = m.organization AND sp.descriptor = m.member_descriptor
LEFT JOIN azure_devops.group_memberships AS gm
       ON gm.organization = m.organization AND m.is_direct
      AND gm.member_descriptor = m.member_descriptor AND gm.container_name = m.group_name
LEFT JOIN history.changes AS c
       ON c.organization = m.organization AND c.resource_type = 'group_memberships'
      AND c.resource_id = gm.resource_id AND c.change_type = 'created'
WHERE m.group_name = 'Project Collection Administrators'
  AND ($organization = '' OR m.organization = $organization)
ORDER BY m.organization, m.depth, member
