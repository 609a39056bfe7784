-- Environments that deployments can reach without an approval check.
SELECT e.organization, e.project_name, e.name AS environment
FROM azure_devops.environments AS e
WHERE NOT EXISTS (
    SELECT 1 FROM azure_devops.check_configurations AS c
    WHERE c.organization = e.organization AND c.resource_type = 'environment'
      AND c.resource_id_ref = CAST(e.id AS VARCHAR) AND NOT coalesce(c.is_disabled, FALSE)
      AND c.type_name ILIKE '%approval%'
)
ORDER BY e.organization, e.project_name, environment
