-- Shared SQL for rules: the effective permissions (the perm.* rules over azure_devops.effective_permissions,
-- permission_objects, effective_roles and their views; docs/permissions.md). The macros here read inventory
-- tables only: the vocabulary is created on every warehouse, also one where the permission step never ran, and
-- DuckDB binds a macro's tables when it is created. The rules read the permission tables themselves.

-- perm_is_admin(who, in_project): the identity (graph descriptor of a user, group or service principal) is an
-- administrator for a resource of project in_project (a project name): one of privileged_groups() of the
-- organization (Project Collection Administrators, ... : project_id NULL) or of that project (its Project
-- Administrators), or a member of one, directly or through nested groups (effective_group_memberships).
-- Build service identities (svc. descriptors) never count as administrators: they are members of Project
-- Collection Build Service Accounts, but their rights are every pipeline's (the job access token).
-- Source: learn.microsoft.com/azure/devops/organizations/security/permissions#groups;
--         learn.microsoft.com/azure/devops/pipelines/process/access-tokens (build service identities).
CREATE OR REPLACE TEMP MACRO perm_is_admin(who, in_project) AS
    NOT starts_with(coalesce(who, ''), 'svc.')
    AND EXISTS (
        SELECT 1
        FROM privileged_groups() AS g
        LEFT JOIN azure_devops.projects AS p ON p.id = g.project_id
        WHERE (g.project_id IS NULL OR p.name = in_project)
          AND (g.descriptor = who
               OR EXISTS (SELECT 1 FROM azure_devops.effective_group_memberships AS m
                          WHERE m.group_descriptor = g.descriptor AND m.member_descriptor = who)));

-- perm_outsider_allow(decision, who, in_project): a decision of azure_devops.effective_permissions (or of its
-- views) that allows the permission to an identity that is not an administrator of the project (perm_is_admin).
-- Source: learn.microsoft.com/azure/devops/organizations/security/about-permissions ("Allow", "Not set").
CREATE OR REPLACE TEMP MACRO perm_outsider_allow(decision, who, in_project) AS
    decision = 'allow' AND NOT perm_is_admin(who, in_project);

-- perm_grant(identity_name, permission, via): one grant as a message names it:
-- '<identity> may "<permission>" (<via>)', e.g. '[Payments]\Contributors may "Force push (rewrite history, delete
-- branches and tags)" (inherited from project Payments)'; via is the table's or view's via column, whose
-- 'direct' (the entry is on the object itself) reads 'set on it'.
CREATE OR REPLACE TEMP MACRO perm_grant(identity_name, permission, via) AS
    coalesce(identity_name, '?') || ' may "' || coalesce(permission, '?') || '" ('
    || CASE WHEN coalesce(via, 'direct') = 'direct' THEN 'set on it' ELSE via END || ')';

-- perm_grant_list(grants): the perm_grant texts of one finding, distinct and sorted, at most 5 named and the rest
-- counted (path_capped_list with "; ").
CREATE OR REPLACE TEMP MACRO perm_grant_list(grants) AS path_capped_list(grants, 5, '; ');

-- perm_object_label(resource_type, resource_name): a secured object of permission_objects in words: 'repository
-- payments-api', 'branch payments-api@main', 'pipeline web-ci', 'release pipeline web-release', 'project Payments'.
CREATE OR REPLACE TEMP MACRO perm_object_label(resource_type, resource_name) AS
    CASE resource_type WHEN 'build_definition' THEN 'pipeline' WHEN 'release_definition' THEN 'release pipeline'
                       ELSE coalesce(resource_type, 'object') END || ' ' || coalesce(resource_name, '?');

-- perm_on(permission, resource_type, resource_name): a permission and the object it is set on, for messages:
-- '"Manage permissions" on repository data-contracts' (perm_object_label).
CREATE OR REPLACE TEMP MACRO perm_on(permission, resource_type, resource_name) AS
    '"' || coalesce(permission, '?') || '" on ' || perm_object_label(resource_type, resource_name);

-- perm_project_of(project_name, token): the project a secured object belongs to: its project_name, else (a list on
-- a token the inventory does not name, e.g. a pipeline folder {projectId}/folder) the project whose id the token
-- contains (Git repoV2/{projectId}/..., Build and ReleaseManagement {projectId}/..., $PROJECT:...{projectId}).
-- Source: learn.microsoft.com/azure/devops/organizations/security/namespace-reference (tokens).
CREATE OR REPLACE TEMP MACRO perm_project_of(project_name, token) AS
    coalesce(project_name, (SELECT any_value(p.name) FROM azure_devops.projects AS p
                            WHERE contains(lower(token), lower(p.id))));
