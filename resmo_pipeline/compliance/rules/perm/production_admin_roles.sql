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
WITH holders AS (
    SELECT resource_type AS kind, object_id, project_name,
           list(user_name || ' (' || via || ')' ORDER BY user_name) AS holders
    FROM azure_devops.effective_user_roles
    WHERE role = 'Administrator' AND resource_type IN ('endpoint', 'environment')
      AND regexp_matches(resource_name, $production_pattern) AND NOT starts_with(user_descriptor, 'svc.')
      AND NOT perm_is_admin(user_descriptor, project_name)
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
