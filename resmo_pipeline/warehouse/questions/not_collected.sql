-- Resource types the last sync could not collect, and why (missing PAT scope, unavailable, failed).
-- Rules reading these types are "not evaluable" until the credential or the service allows them.
SELECT organization, resource_type, status, required_scope, error, finished_at
FROM meta.collection_runs
WHERE status <> 'collected'
QUALIFY row_number() OVER (PARTITION BY organization, resource_type ORDER BY finished_at DESC) = 1
ORDER BY organization, resource_type
