-- Service hooks that send events over plain HTTP or with basic authentication.
SELECT organization, project_name, event_type, consumer_id, target_scheme, target_host, has_basic_auth, status
FROM azure_devops.service_hooks
WHERE NOT target_uses_https OR has_basic_auth
ORDER BY organization, project_name, target_host
