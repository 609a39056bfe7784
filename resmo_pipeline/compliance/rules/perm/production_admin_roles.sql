/*
id: perm.production_admin_roles
title: People who are not administrators hold the Administrator role on a production service connection or environment
severity: high
resource_type: service_connections
description: >
  A user or service principal that is not an administrator of the resource's project (not in privileged_groups()
  of the organization or of that project, directly or through nested groups) holds the Administrator role on a
  service connection or an environment whose name looks like production (parameter production_pattern: prod,
  production or prd as a word), by azure_devops.effective_user_roles: role assignments on the resource or
  inherited from the project-level defaults, groups expanded to their members, the highest role kept. Build
  service identities are left out (they are not given roles by people). Findings on environments carry
  resource_type environments. Source: learn.microsoft.com/azure/devops/organizations/security/about-security-roles
  and learn.microsoft.com/azure/devops/pipelines/policies/permissions (service connection and environment
  roles: Administrator can use, manage and set security).
rationale: >
  The Administrator of a service connection can change its credentials and scope and grant it to any pipeline;
  the Administrator of an environment can remove its approvals and checks. On production resources that is the
  whole deployment control, so it belongs to administrators only.
remediation: >
  Project settings > Service connections (or Pipelines > Environments) > the resource > Security: remove the user
  or the group the message names, or lower its role to User; keep Administrator for a small administrators group.
anchors:
  owasp: [CICD-SEC-2, CICD-SEC-6]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
requires: [service_connections, environments, effective_roles, users, service_principals, groups, projects,
           effective_group_memberships]
*/
WITH administrators AS (
    -- Administrator rows of production connections and environments first: expanding every role of every
    -- resource to 30,000 users (the user view) does not fit the rules' memory on large organizations.
    SELECT resource_type, object_id, project_name, identity_descriptor, identity_name, identity_kind, via
    FROM azure_devops.effective_roles
    WHERE role = 'Administrator' AND resource_type IN ('endpoint', 'environment')
      AND regexp_matches(resource_name, $production_pattern)
), people AS (
    -- The user or service principal itself, or each member of the group holding the role (as
    -- effective_user_roles expands it: the highest role wins, and Administrator is the highest).
    SELECT a.*, a.identity_descriptor AS member, 'own assignment' AS how
    FROM administrators AS a
    WHERE a.identity_kind <> 'group'
    UNION ALL
    SELECT a.*, m.member_descriptor, 'via ' || a.identity_name
    FROM administrators AS a
    JOIN azure_devops.effective_group_memberships AS m ON m.group_descriptor = a.identity_descriptor
    WHERE a.identity_kind = 'group' AND m.member_kind NOT IN ('vssgp', 'aadgp')
), holders AS (
    SELECT p.resource_type AS kind, p.object_id, p.project_name,
           list_sort(list(DISTINCT coalesce(u.principal_name, s.principal_name, u.display_name, p.member) || ' ('
                          || p.how || ' (' || p.via || '))')) AS holders
    FROM people AS p
    LEFT JOIN azure_devops.users AS u ON u.descriptor = p.member
    LEFT JOIN azure_devops.service_principals AS s ON s.descriptor = p.member
    WHERE NOT starts_with(p.member, 'svc.') AND (u.descriptor IS NOT NULL OR s.descriptor IS NOT NULL)
      AND NOT perm_is_admin(p.member, p.project_name)
    GROUP BY ALL
)
SELECT sc.organization, 'service_connections' AS resource_type, sc.resource_id, sc.name AS resource_name,
       h.project_name, sc.id,
       'Production service connection "' || sc.name || '" is administered by people who are not administrators: '
           || path_capped_list(flatten(list(h.holders)), 5, '; ') AS message
FROM azure_devops.service_connections AS sc
JOIN holders AS h ON h.kind = 'endpoint' AND h.object_id = sc.id
GROUP BY sc.organization, sc.resource_id, sc.name, h.project_name, sc.id
UNION ALL
SELECT e.organization, 'environments', e.resource_id, e.name, e.project_name, CAST(e.id AS VARCHAR),
       'Production environment "' || e.name || '" is administered by people who are not administrators: '
           || path_capped_list(h.holders, 5, '; ')
FROM azure_devops.environments AS e
JOIN holders AS h ON h.kind = 'environment' AND h.object_id = CAST(e.id AS VARCHAR) AND h.project_name = e.project_name
