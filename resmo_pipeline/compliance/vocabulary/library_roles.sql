-- Shared SQL for rules: security roles on library resources (azure_devops.role_assignments) and agents.

-- role_holder(display_name, unique_name): how a role holder is named in messages: a group by its unique name
-- ("[Contoso Web]\Contributors"), anyone else (users, build service identities, whose unique name is an id)
-- by display name.
CREATE OR REPLACE TEMP MACRO role_holder(display_name, unique_name) AS
    CASE WHEN starts_with(coalesce(unique_name, ''), '[') OR display_name IS NULL THEN coalesce(unique_name, '?')
         ELSE display_name END;

-- role_resource_key(kind, project_id, resource_id_ref): the resource_id of the inventory row a role
-- assignment is about: "<projectId>/<id>" for environments and agent queues (keyed by project and id), the id
-- itself for service connections, variable groups, secure files and agent pools.
CREATE OR REPLACE TEMP MACRO role_resource_key(kind, project_id, resource_id_ref) AS
    CASE WHEN kind IN ('environment', 'queue') THEN project_id || '/' || resource_id_ref ELSE resource_id_ref END;

-- broad_role_grants(resource_kinds, broad_groups, roles, include_inherited): one row per resource of those
-- role_assignments kinds (endpoint, variablegroup, securefile, environment, queue, pool, project_endpoints,
-- project_library, project_environments, project_queues) on which a broad group holds one of `roles`: a group
-- whose name without its "[scope]\" prefix is in broad_groups (the ADO Security Scanner's broader groups are
-- Contributors, Readers, Project Valid Users and Project Collection Valid Users, and its excessive roles
-- Administrator and User). Inherited assignments count only when include_inherited is true (the scanner's
-- default, CheckForInheritedPermissions false, judges the roles set on the resource itself).
-- Columns: resource_kind, resource_id_ref, resource_key (role_resource_key), resource_name, project_id,
-- project_name, grants (text "holder (role), ..."), grant_count.
-- Source: learn.microsoft.com/azure/devops/pipelines/policies/permissions (User: use the resource in
--         pipelines; Administrator: also manage it and its security); azsk/ADOScanner ControlSettings.json
--         (RestrictedBroaderGroupsFor*) and the *CheckBroaderGroupAccess* evaluators.
CREATE OR REPLACE TEMP MACRO broad_role_grants(resource_kinds, broad_groups, roles, include_inherited) AS TABLE
    SELECT resource_kind, resource_id_ref, role_resource_key(resource_kind, project_id, resource_id_ref) AS resource_key,
           resource_name, project_id, project_name,
           string_agg(role_holder(identity_display_name, identity_unique_name) || ' (' || role
                      || CASE WHEN access = 'inherited' THEN ', inherited' ELSE '' END || ')', ', '
                      ORDER BY role_holder(identity_display_name, identity_unique_name), role) AS grants,
           count(*) AS grant_count
    FROM azure_devops.role_assignments
    WHERE list_contains(resource_kinds, resource_kind)
      AND list_contains(broad_groups, identity_short_name(coalesce(identity_display_name, identity_unique_name)))
      AND list_contains(roles, role)
      AND (include_inherited OR coalesce(access, 'assigned') <> 'inherited')
    GROUP BY ALL;

-- inherited_role_grants(resource_kinds): one row per resource of those role_assignments kinds that inherits
-- roles from its project-level (agent pools: organization-level) default, i.e. whose security has
-- "Inheritance" on: the role API lists the parent's assignments with access "inherited" only then.
-- Columns: resource_kind, resource_id_ref, resource_key, resource_name, project_id, project_name, inherited
-- (text "holder (role), ..."), inherited_count.
-- Source: REST Security Roles - List (RoleAssignment.access: assigned | inherited); the library, service
--         connection, environment and agent queue Security dialogs' Inheritance switch; azsk/ADOScanner
--         CheckInheritedPermissions (fails when any role assignment is inherited).
CREATE OR REPLACE TEMP MACRO inherited_role_grants(resource_kinds) AS TABLE
    SELECT resource_kind, resource_id_ref, role_resource_key(resource_kind, project_id, resource_id_ref) AS resource_key,
           resource_name, project_id, project_name,
           string_agg(role_holder(identity_display_name, identity_unique_name) || ' (' || role || ')', ', '
                      ORDER BY role_holder(identity_display_name, identity_unique_name)) AS inherited,
           count(*) AS inherited_count
    FROM azure_devops.role_assignments
    WHERE list_contains(resource_kinds, resource_kind)
      AND access = 'inherited'
    GROUP BY ALL;

-- project_default_broad_roles(kind, what, broad_groups, roles): finding rows (organization, resource_id,
-- resource_name, project_name, id, message) for every project whose project-level default security of
-- that role_assignments kind (project_endpoints, project_library, project_environments, project_queues) gives a
-- broad group one of `roles`; `what` names what inherits it in the message ("service connections", ...).
-- Every resource of that kind in the project inherits these roles while its inheritance is on.
-- Source: azsk/ADOScanner ADO.Project CheckBroaderGroupInheritanceSettingsFor* (assigned roles of the broader
--         groups on the project-level scopes); learn.microsoft.com/azure/devops/pipelines/policies/permissions.
CREATE OR REPLACE TEMP MACRO project_default_broad_roles(kind, what, broad_groups, roles) AS TABLE
    SELECT p.organization, p.resource_id, p.name AS resource_name, p.name AS project_name, p.id,
           'Project "' || p.name || '" gives broad groups ' || g.grants || ' on all ' || what
               || ' by default: every one of them inheriting its security gets these roles' AS message
    FROM azure_devops.projects AS p
    JOIN broad_role_grants([kind], broad_groups, roles, FALSE) AS g ON g.resource_id_ref = p.id;

-- agent_version_below(version, minimum): an Azure Pipelines agent version ("2.210.1") is older than minimum
-- ("3.0.0"), comparing the dot-separated numbers in order; FALSE when the version is missing or not numeric.
-- Source: learn.microsoft.com/azure/devops/pipelines/agents/agents#agent-version-and-upgrades (agents report
--         Agent.Version; v2 agents are out of support: learn.microsoft.com/azure/devops/pipelines/agents/v3-agent).
CREATE OR REPLACE TEMP MACRO agent_version_below(version, minimum) AS
    coalesce(regexp_matches(version, '^[0-9]+(\.[0-9]+)*$')
             AND [CAST(x AS INTEGER) FOR x IN string_split(version, '.')]
                 < [CAST(x AS INTEGER) FOR x IN string_split(minimum, '.')], FALSE);

-- is_build_service(name, organization): an identity is a build service: a project's "<Project> Build Service
-- (<organization>)", the "Project Collection Build Service (<organization>)", or the Project Collection Build
-- Service Accounts group (name compared without its "[scope]\" prefix).
-- Source: learn.microsoft.com/azure/devops/pipelines/process/access-tokens (build
--         service identities); azsk/ADOScanner CheckBuildServiceAccountAccess (the same name patterns).
CREATE OR REPLACE TEMP MACRO is_build_service(name, organization) AS
    identity_short_name(name) = 'Project Collection Build Service Accounts'
    OR ends_with(lower(identity_short_name(name)), lower(' Build Service (' || organization || ')'));

-- is_branch_control(type_name, settings): a check configuration (azure_devops.check_configurations) is a Branch
-- control check: a "Task Check" running the evaluatebranchProtection task.
-- Source: learn.microsoft.com/azure/devops/pipelines/process/approvals (Branch control).
CREATE OR REPLACE TEMP MACRO is_branch_control(type_name, settings) AS
    coalesce(type_name = 'Task Check' AND (settings ->> '$.definitionRef.name') = 'evaluatebranchProtection', FALSE);

-- branch_control_branches(settings): the refs a Branch control check allows (its comma-separated
-- allowedBranches input, trimmed; patterns such as refs/heads/* kept as written).
-- Source: learn.microsoft.com/azure/devops/pipelines/process/approvals (Branch control: Allowed branches).
CREATE OR REPLACE TEMP MACRO branch_control_branches(settings) AS
    [trim(b) FOR b IN string_split(coalesce(settings ->> '$.inputs.allowedBranches', ''), ',') IF trim(b) <> ''];

-- pipeline_authorized_resources(resource_types): the protected resources of those pipeline permission kinds
-- (endpoint, variablegroup, securefile, queue, environment, repository) that some pipeline may use: open to all
-- pipelines or authorized for at least one (resource_type, resource_id_ref, project_id). A YAML pipeline can
-- only use a protected resource it is authorized for.
-- Source: learn.microsoft.com/azure/devops/pipelines/security/resources (pipeline permissions);
--         REST Pipeline Permissions - Get (allPipelines.authorized, pipelines[]).
CREATE OR REPLACE TEMP MACRO pipeline_authorized_resources(resource_types) AS TABLE
    SELECT DISTINCT resource_type, resource_id_ref, project_id
    FROM azure_devops.pipeline_permissions
    WHERE list_contains(resource_types, resource_type)
      AND (coalesce(all_pipelines_authorized, FALSE) OR coalesce(authorized_pipeline_count, 0) > 0);
