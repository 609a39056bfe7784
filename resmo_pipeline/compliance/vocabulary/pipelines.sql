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

-- definition_variables(): one row per variable defined on a build or release definition itself (not its
-- stages): resource_type (build_definitions / release_definitions), organization, resource_id, name,
-- project_name, id (the definition id as text), variable, value, is_secret and allow_override ("Settable at
-- queue time" / "Settable at release time").
-- Source: REST Build Definitions (BuildDefinitionVariable: value, isSecret, allowOverride) and Release
--         Definitions (ConfigurationVariableValue).
CREATE OR REPLACE TEMP MACRO definition_variables() AS TABLE
    SELECT 'build_definitions' AS resource_type, d.organization, d.resource_id, d.name, d.project_name,
           CAST(d.id AS VARCHAR) AS id, v.key AS variable, v.value ->> 'value' AS value,
           json_flag(v.value, 'isSecret') AS is_secret, json_flag(v.value, 'allowOverride') AS allow_override
    FROM azure_devops.build_definitions AS d, json_each(d.variables) AS v
    UNION ALL
    SELECT 'release_definitions', d.organization, d.resource_id, d.name, d.project_name, CAST(d.id AS VARCHAR),
           v.key, v.value ->> 'value', json_flag(v.value, 'isSecret'), json_flag(v.value, 'allowOverride')
    FROM azure_devops.release_definitions AS d, json_each(d.variables) AS v;

-- release_stages(): one row per stage (environment) of every release definition: the
-- azure_devops.release_definitions columns plus stage, the stage's JSON (name, variables, preDeployApprovals).
-- Source: REST Release Definitions (ReleaseDefinition.environments, ReleaseDefinitionEnvironment).
CREATE OR REPLACE TEMP MACRO release_stages() AS TABLE
    SELECT d.*, e.stage
    FROM azure_devops.release_definitions AS d, unnest(CAST(d.environments AS JSON[])) AS e(stage);

-- enabled_checks(): the approvals and checks on protected resources (azure_devops.check_configurations) that
-- are in force, i.e. not disabled; type_name tells Approval, ExtendsCheck (Required template), Task Check, ...
-- Source: learn.microsoft.com/azure/devops/pipelines/process/approvals (a disabled check is skipped).
CREATE OR REPLACE TEMP MACRO enabled_checks() AS TABLE
    SELECT *
    FROM azure_devops.check_configurations
    WHERE NOT coalesce(is_disabled, FALSE);
