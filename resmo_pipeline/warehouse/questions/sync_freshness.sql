-- When each organization's resource types were last collected, with rows and requests.
SELECT organization, resource_type, status, rows, requests, finished_at
FROM meta.collection_runs
QUALIFY row_number() OVER (PARTITION BY organization, resource_type ORDER BY finished_at DESC) = 1
ORDER BY organization, finished_at, resource_type
