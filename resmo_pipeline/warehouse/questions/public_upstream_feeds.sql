-- Artifact feeds with public upstream sources (dependency-confusion risk).
SELECT organization, project_name, name AS feed, upstream_enabled, upstream_sources
FROM azure_devops.feeds
WHERE has_public_upstream
ORDER BY organization, feed
