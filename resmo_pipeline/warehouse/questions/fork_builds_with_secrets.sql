-- Pipelines that build pull requests from forks and give them secrets or a full-access token.
SELECT organization, project_name, name AS pipeline, repository_name, fork_allow_secrets,
       fork_allow_full_access_token, pool_is_hosted, queue_name
FROM azure_devops.build_definitions
WHERE fork_builds_enabled AND (fork_allow_secrets OR fork_allow_full_access_token)
ORDER BY organization, project_name, pipeline
