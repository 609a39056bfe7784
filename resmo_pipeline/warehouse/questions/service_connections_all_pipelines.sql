-- Service connections open to all pipelines, with how they authenticate.
-- A pipeline that may use a connection deploys with its identity: these are one YAML edit away from production.
SELECT sc.organization, p.project_name, sc.name, sc.type, sc.authorization_scheme, sc.is_shared,
       p.all_pipelines_authorized_by AS opened_by
FROM azure_devops.pipeline_permissions AS p
JOIN azure_devops.service_connections AS sc
  ON sc.organization = p.organization AND sc.id = p.resource_id_ref
WHERE p.resource_type = 'endpoint' AND p.all_pipelines_authorized
ORDER BY sc.organization, p.project_name, sc.name
