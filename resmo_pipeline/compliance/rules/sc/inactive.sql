/*
id: sc.inactive
title: Service connection has not been used for a long time
severity: medium
resource_type: service_connections
description: >
  A service connection has not been used by any pipeline for $inactive_days days, or has never been used
  although it was created more than $inactive_days days ago (by its execution history).
rationale: >
  An unused connection is a credential nobody needs but anybody authorized can still use; removing it
  shrinks what a compromised pipeline can reach.
remediation: >
  Confirm with the owner that it is no longer needed, then delete the service connection (and the
  identity or secret behind it in the target system).
anchors:
  adoscanner: [ADO_ServiceConnection_DP_Review_Inactive_Connection]
  owasp: [CICD-SEC-6]
params:
  inactive_days: 180
requires: [service_connections, service_connection_usage]
*/
WITH usage AS (
    SELECT endpoint_id, max(last_used_at) AS last_used_at
    FROM azure_devops.service_connection_usage
    GROUP BY endpoint_id
)
SELECT
    sc.organization,
    sc.resource_id,
    sc.name AS resource_name,
    sc.project_name,
    sc.id,
    'Service connection "' || sc.name || '" '
        || CASE WHEN u.last_used_at IS NULL THEN 'has never been used'
                ELSE 'was last used ' || days_since(u.last_used_at) || ' days ago' END AS message
FROM azure_devops.service_connections AS sc
LEFT JOIN usage AS u ON u.endpoint_id = sc.id
WHERE is_inactive(u.last_used_at,
                  coalesce(TRY_CAST(sc.raw ->> '$.creationDate' AS TIMESTAMP), TIMESTAMP '1970-01-01'),
                  $inactive_days, $inactive_days)
