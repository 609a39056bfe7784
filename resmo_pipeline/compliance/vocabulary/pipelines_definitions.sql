-- Shared SQL for rules: build and release definitions, task groups and who may change them.

-- pipeline_acl_token(project_id, path, id): the security token of a build or release definition in the Build
-- and ReleaseManagement namespaces: {projectId}/{id} for a definition in the root folder, else
-- {projectId}/{folder}/{subfolder}/{id} (the definition's path "\folder\subfolder" with "/" separators).
-- Source: learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Build, ReleaseManagement
--         tokens) and the token the Security dialog of a pipeline uses.
CREATE OR REPLACE TEMP MACRO pipeline_acl_token(project_id, path, id) AS
    project_id || replace(rtrim(coalesce(path, '\'), '\'), '\', '/') || '/' || CAST(id AS VARCHAR);

-- token_prefixes(token): the token and every token above it in its namespace's hierarchy, shortest first
-- ('p/a/7' -> ['p', 'p/a', 'p/a/7']): the objects whose permissions the token inherits.
-- Source: learn.microsoft.com/azure/devops/organizations/security/about-permissions#inheritance-and-security-groups
CREATE OR REPLACE TEMP MACRO token_prefixes(token) AS
    [array_to_string(string_split(token, '/')[1:i], '/') FOR i IN range(1, len(string_split(token, '/')) + 1)];

-- namespace_action_bits(ns_id, action_names): the permission bits of those actions (names such as
-- EditBuildDefinition, as in azure_devops.security_namespaces.actions[].name) in a security namespace, OR-ed.
-- Source: REST Security Namespaces - Query (ActionDefinition.bit, name).
CREATE OR REPLACE TEMP MACRO namespace_action_bits(ns_id, action_names) AS (
    SELECT coalesce(bit_or(CAST(a ->> 'bit' AS BIGINT)), 0)
    FROM azure_devops.security_namespaces AS s, unnest(CAST(s.actions AS JSON[])) AS t(a)
    WHERE s.namespace_id = ns_id AND list_contains(action_names, a ->> 'name'));

-- namespace_action_names(ns_id, bits): the names of the actions of a security namespace whose bit is set
-- in bits, sorted (to say in a message which permissions an access control entry allows).
CREATE OR REPLACE TEMP MACRO namespace_action_names(ns_id, bits) AS (
    SELECT coalesce(list_sort(list(a ->> 'name')), [])
    FROM azure_devops.security_namespaces AS s, unnest(CAST(s.actions AS JSON[])) AS t(a)
    WHERE s.namespace_id = ns_id AND (bits & CAST(a ->> 'bit' AS BIGINT)) <> 0);

-- secured_pipeline_objects(): the objects whose access control lists the pipeline rules read, one row each:
-- object_kind build_definition / release_definition (token pipeline_acl_token), task_group (MetaTask
-- namespace, {projectId}/{taskGroupId}), build_project / release_project (the project's own token in the
-- Build / ReleaseManagement namespace: its defaults for every definition). Columns: object_kind,
-- namespace_name, resource_type (the inventory table), organization, resource_id, name, project_id,
-- project_name, id (as text), token, inherits: the object's own list inherits permissions from the objects
-- above it (TRUE when it has no explicit list, the default), and floor_token: the nearest token at or above
-- the object whose list does not inherit (entries above it do not reach the object; NULL when none).
-- Source: learn.microsoft.com/azure/devops/organizations/security/namespace-reference;
--         REST Access Control Lists - Query (AccessControlList.inheritPermissions).
CREATE OR REPLACE TEMP MACRO secured_pipeline_objects() AS TABLE
    WITH objects AS (
        SELECT 'build_definition' AS object_kind, 'Build' AS namespace_name, 'build_definitions' AS resource_type,
               organization, resource_id, name, project_id, project_name, CAST(id AS VARCHAR) AS id,
               pipeline_acl_token(project_id, path, id) AS token
        FROM azure_devops.build_definitions
        UNION ALL
        SELECT 'release_definition', 'ReleaseManagement', 'release_definitions', organization, resource_id, name,
               project_id, project_name, CAST(id AS VARCHAR), pipeline_acl_token(project_id, path, id)
        FROM azure_devops.release_definitions
        WHERE NOT coalesce(deleted, FALSE)
        UNION ALL
        SELECT 'task_group', 'MetaTask', 'task_groups', organization, resource_id, name, project_id, project_name,
               id, project_id || '/' || id
        FROM azure_devops.task_groups
        WHERE NOT coalesce(deleted, FALSE)
        UNION ALL
        SELECT k.object_kind, k.namespace_name, 'projects', p.organization, p.resource_id, p.name, p.id, p.name,
               p.id, p.id
        FROM azure_devops.projects AS p,
             (VALUES ('build_project', 'Build'), ('release_project', 'ReleaseManagement')) AS k(object_kind, namespace_name)
    ),
    lists AS (
        SELECT namespace_name, token, bool_and(coalesce(inherit_permissions, TRUE)) AS inherits
        FROM azure_devops.access_control_lists
        GROUP BY namespace_name, token
    ),
    chains AS (
        SELECT object_kind, resource_id, namespace_name, unnest(token_prefixes(token)) AS chain_token
        FROM objects
    ),
    floors AS (
        SELECT c.object_kind, c.resource_id, max_by(c.chain_token, length(c.chain_token)) AS floor_token
        FROM chains AS c
        JOIN lists AS l ON l.namespace_name = c.namespace_name AND l.token = c.chain_token AND NOT l.inherits
        GROUP BY c.object_kind, c.resource_id
    )
    SELECT o.*, coalesce(l.inherits, TRUE) AS inherits, f.floor_token
    FROM objects AS o
    LEFT JOIN lists AS l ON l.namespace_name = o.namespace_name AND l.token = o.token
    LEFT JOIN floors AS f ON f.object_kind = o.object_kind AND f.resource_id = o.resource_id;

-- group_object_permissions(): what each group is allowed on each secured_pipeline_objects() object: one row per
-- (object, group) with the object's columns plus namespace_id, group_name (the group's display name, e.g.
-- Contributors), acl_token (where the entry is set: the object itself or the nearest object above it that it
-- inherits from) and allow_bits (the entry's effective allow bits, which the service computes with what the
-- entry inherits). Entries above floor_token (a list that does not inherit) do not count.
-- Source: REST Access Control Lists - Query with includeExtendedInfo (AceExtendedInformation.effectiveAllow).
CREATE OR REPLACE TEMP MACRO group_object_permissions() AS TABLE
    WITH chains AS (
        SELECT *, unnest(token_prefixes(token)) AS chain_token FROM secured_pipeline_objects()
    )
    SELECT o.* EXCLUDE (chain_token), a.namespace_id, g.display_name AS group_name, a.token AS acl_token,
           coalesce(a.effective_allow, a.allow, 0) AS allow_bits
    FROM chains AS o
    JOIN azure_devops.access_control_lists AS a
        ON a.namespace_name = o.namespace_name AND a.token = o.chain_token
       AND length(a.token) >= length(coalesce(o.floor_token, ''))
    JOIN azure_devops.groups AS g ON g.descriptor = a.identity_subject_descriptor
    QUALIFY row_number() OVER (PARTITION BY o.object_kind, o.resource_id, g.descriptor
                               ORDER BY length(a.token) DESC) = 1;

-- broad_group_grants(object_kinds, broad_groups, actions): the group_object_permissions() rows of objects of
-- those kinds where one of the broad groups (names such as Contributors, Project Valid Users) is allowed any
-- of those actions; granted lists the actions it is allowed.
CREATE OR REPLACE TEMP MACRO broad_group_grants(object_kinds, broad_groups, actions) AS TABLE
    -- Qualified: inside the macros' subqueries a bare namespace_id would mean security_namespaces' own column.
    SELECT p.*, namespace_action_names(p.namespace_id, p.allow_bits & namespace_action_bits(p.namespace_id, actions))
                    AS granted
    FROM group_object_permissions() AS p
    WHERE list_contains(object_kinds, p.object_kind)
      AND list_contains(broad_groups, p.group_name)
      AND (p.allow_bits & namespace_action_bits(p.namespace_id, actions)) <> 0;

-- definition_tasks(): one row per task step of a classic build definition (process.phases[].steps[]) or of a
-- release definition's stages (environments[].deployPhases[].workflowTasks[]): resource_type, organization,
-- resource_id, name, project_id, project_name, id (the definition id as text), job (phase or stage/phase
-- name), step (display name), task_id, definition_type (task, or metaTask for a task group) and enabled.
-- Source: REST Build Definitions (BuildDefinitionStep.task: id, versionSpec, definitionType) and Release
--         Definitions (WorkflowTask: taskId, definitionType).
CREATE OR REPLACE TEMP MACRO definition_tasks() AS TABLE
    SELECT 'build_definitions' AS resource_type, d.organization, d.resource_id, d.name, d.project_id,
           d.project_name, CAST(d.id AS VARCHAR) AS id, p.phase ->> 'name' AS job,
           s.step ->> 'displayName' AS step, s.step ->> '$.task.id' AS task_id,
           coalesce(s.step ->> '$.task.definitionType', 'task') AS definition_type,
           coalesce(TRY_CAST(s.step ->> 'enabled' AS BOOLEAN), TRUE) AS enabled
    FROM azure_devops.build_definitions AS d,
         unnest(CAST(coalesce(d.raw -> '$.process.phases', '[]') AS JSON[])) AS p(phase),
         unnest(CAST(coalesce(p.phase -> 'steps', '[]') AS JSON[])) AS s(step)
    UNION ALL
    SELECT 'release_definitions', r.organization, r.resource_id, r.name, r.project_id, r.project_name,
           CAST(r.id AS VARCHAR), (r.stage ->> 'name') || '/' || (p.phase ->> 'name'), t.task ->> 'name',
           t.task ->> 'taskId', coalesce(t.task ->> 'definitionType', 'task'),
           coalesce(TRY_CAST(t.task ->> 'enabled' AS BOOLEAN), TRUE)
    FROM release_stages() AS r,
         unnest(CAST(coalesce(r.stage -> 'deployPhases', '[]') AS JSON[])) AS p(phase),
         unnest(CAST(coalesce(p.phase -> 'workflowTasks', '[]') AS JSON[])) AS t(task)
    WHERE NOT coalesce(r.deleted, FALSE);

-- definition_variable_groups(): one row per variable group a build or release definition links (a release
-- definition's own and its stages' groups): resource_type, organization, resource_id, name, project_id,
-- project_name, id (the definition id as text) and variable_group_id (as text).
-- Source: REST Build Definitions (variableGroups[].id) and Release Definitions (variableGroups,
--         environments[].variableGroups: ids).
CREATE OR REPLACE TEMP MACRO definition_variable_groups() AS TABLE
    SELECT 'build_definitions' AS resource_type, d.organization, d.resource_id, d.name, d.project_id,
           d.project_name, CAST(d.id AS VARCHAR) AS id, g.ref ->> 'id' AS variable_group_id
    FROM azure_devops.build_definitions AS d,
         unnest(CAST(coalesce(d.variable_groups, '[]') AS JSON[])) AS g(ref)
    UNION
    SELECT 'release_definitions', r.organization, r.resource_id, r.name, r.project_id, r.project_name,
           CAST(r.id AS VARCHAR), g.ref ->> '$'
    FROM azure_devops.release_definitions AS r, unnest(CAST(coalesce(r.variable_groups, '[]') AS JSON[])) AS g(ref)
    WHERE NOT coalesce(r.deleted, FALSE)
    UNION
    SELECT 'release_definitions', r.organization, r.resource_id, r.name, r.project_id, r.project_name,
           CAST(r.id AS VARCHAR), g.ref ->> '$'
    FROM release_stages() AS r, unnest(CAST(coalesce(r.stage -> 'variableGroups', '[]') AS JSON[])) AS g(ref)
    WHERE NOT coalesce(r.deleted, FALSE);

-- broad_group_grant_summary(object_kinds, broad_groups, actions): broad_group_grants() summed up per object:
-- object_kind, organization, resource_id, name, project_name, id and grants, a text such as
-- "Contributors may EditBuildDefinition (inherited); Readers may DeleteBuilds" for messages ("inherited": the
-- entry is set on the project or a folder, not on the object).
CREATE OR REPLACE TEMP MACRO broad_group_grant_summary(object_kinds, broad_groups, actions) AS TABLE
    SELECT object_kind, organization, resource_id, name, project_name, id,
           string_agg(group_name || ' may ' || array_to_string(granted, ', ')
                      || CASE WHEN acl_token <> token THEN ' (inherited)' ELSE '' END, '; ' ORDER BY group_name)
               AS grants
    FROM broad_group_grants(object_kinds, broad_groups, actions)
    GROUP BY object_kind, organization, resource_id, name, project_name, id;
