-- Service connections that authenticate with a stored secret (not workload identity federation).
-- Secrets in service connections expire, leak and rotate by hand; federated credentials do none of that.
SELECT organization, project_name, name, type, authorization_scheme, created_by
FROM azure_devops.service_connections
WHERE authorization_scheme NOT IN ('WorkloadIdentityFederation', 'ManagedServiceIdentity', 'InstallationToken')
ORDER BY organization, project_name, name
