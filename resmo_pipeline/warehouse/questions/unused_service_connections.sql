-- Service connections not used by any pipeline for 90 days (or --param days=N), or never.
-- param days = 90: days without use
SELECT sc.organization, sc.project_name, sc.name, sc.type, max(u.last_used_at) AS last_used_at
FROM azure_devops.service_connections AS sc
LEFT JOIN azure_devops.service_connection_usage AS u
  ON u.organization = sc.organization AND u.endpoint_id = sc.id
GROUP BY ALL
HAVING max(u.last_used_at) IS NULL OR max(u.last_used_at) < now()::TIMESTAMP - to_days($days)
ORDER BY last_used_at NULLS FIRST, sc.organization, sc.name
