-- Shared SQL for rules: pipelines and the protected resources they use.

-- open_to_all_pipelines(resource_types): the azure_devops.pipeline_permissions rows of protected resources
-- of those kinds (a list of endpoint, variablegroup, securefile, queue, environment, repository) that are
-- authorized for all pipelines ("Open access"): any pipeline of the project can use them without approval.
-- Source: learn.microsoft.com/azure/devops/pipelines/security/resources#open-access
--         REST Pipeline Permissions - Get (allPipelines.authorized).
CREATE OR REPLACE TEMP MACRO open_to_all_pipelines(resource_types) AS TABLE
    SELECT *
    FROM azure_devops.pipeline_permissions
    WHERE coalesce(all_pipelines_authorized, FALSE) AND list_contains(resource_types, resource_type);

-- pipeline_resource_table(kind): the inventory table holding a protected resource of that pipeline
-- permission kind (endpoint -> service_connections, ...); pipeline_permissions for other kinds.
CREATE OR REPLACE TEMP MACRO pipeline_resource_table(kind) AS
    CASE kind WHEN 'endpoint' THEN 'service_connections' WHEN 'variablegroup' THEN 'variable_groups'
              WHEN 'securefile' THEN 'secure_files' WHEN 'queue' THEN 'agent_queues'
              WHEN 'environment' THEN 'environments' WHEN 'repository' THEN 'repositories'
              ELSE 'pipeline_permissions' END;

-- pipeline_resource_label(kind): the words for a protected resource kind in messages ("service connection",
-- "agent queue", ...); the kind itself when unknown.
CREATE OR REPLACE TEMP MACRO pipeline_resource_label(kind) AS
    CASE kind WHEN 'endpoint' THEN 'service connection' WHEN 'variablegroup' THEN 'variable group'
              WHEN 'securefile' THEN 'secure file' WHEN 'queue' THEN 'agent queue'
              WHEN 'environment' THEN 'environment' WHEN 'repository' THEN 'repository'
              ELSE kind END;
