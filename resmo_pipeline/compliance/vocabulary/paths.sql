-- Shared SQL for rules: the steps of attack paths (the path.* rules). Each step is conservative: where the
-- data leaves a doubt, the step is not taken ("cannot"), so a path is only reported when Azure DevOps would
-- allow every step. Issue 12 (effective permissions) will replace the permission steps with a full engine.
-- This file is created before pipelines.sql and policies.sql (alphabetical order), so it cannot call their
-- macros (enabled_checks(), ...) inside its own macros; where it needs the same facts it reads the tables.

-- path_utf16_hex(segment): one path segment of a Git ref name as the Git Repositories security namespace
-- writes it in tokens: the segment's UTF-16LE code units as lower-case hex ("main" -> 6d00610069006e00;
-- characters beyond the Basic Multilingual Plane become their surrogate pair).
-- Source: devblogs.microsoft.com/devops/git-repo-tokens-for-the-security-service
CREATE OR REPLACE TEMP MACRO path_utf16_hex(segment) AS
    array_to_string([
        CASE WHEN unicode(c) < 65536 THEN printf('%02x%02x', unicode(c) % 256, unicode(c) // 256)
             ELSE printf('%02x%02x%02x%02x',
                         (55296 + (unicode(c) - 65536) // 1024) % 256, (55296 + (unicode(c) - 65536) // 1024) // 256,
                         (56320 + (unicode(c) - 65536) % 1024) % 256, (56320 + (unicode(c) - 65536) % 1024) // 256)
        END
        FOR c IN string_split(segment, '')], '');

-- path_git_branch_token(project_id, repository_id, ref_name): the Git Repositories namespace token of a branch,
-- repoV2/{projectId}/{repositoryId}/refs/heads/{segment}/{segment}..., each segment of the name after
-- refs/heads/ encoded by path_utf16_hex, lower case and without the trailing "/" the service sometimes adds.
-- Source: devblogs.microsoft.com/devops/git-repo-tokens-for-the-security-service;
--         learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Git Repositories).
CREATE OR REPLACE TEMP MACRO path_git_branch_token(project_id, repository_id, ref_name) AS
    lower('repoV2/' || project_id || '/' || repository_id || '/refs/heads/'
          || array_to_string([path_utf16_hex(s) FOR s IN string_split(substr(ref_name, 12), '/')], '/'));

-- path_secured_objects(): the objects the path rules ask permissions about, with the full security token of
-- each: every branch (azure_devops.branches) in the Git Repositories namespace (object_kind 'branch',
-- object_id the repository id, object_ref the ref name) and every build definition in the Build namespace
-- (object_kind 'definition', token {projectId}/{folder path}/{definitionId}, folders separated by "/";
-- definitions in the root folder are {projectId}/{definitionId}); and per enabled repository a branch that does
-- not exist yet (object_kind 'new_branch', token repoV2/{projectId}/{repositoryId}/refs/heads/*: no entry can be
-- on its last segment, so it gets what the repository and its refs/heads folder grant a new branch).
-- Source: learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Git Repositories: repoV2/
--         {projectId}/{repositoryId}/refs/heads/...; Build: PROJECT_ID and PROJECT_ID/12).
CREATE OR REPLACE TEMP MACRO path_secured_objects() AS TABLE
    SELECT 'Git Repositories' AS namespace, 'branch' AS object_kind, b.project_id, b.repository_id AS object_id,
           b.name AS object_ref, path_git_branch_token(b.project_id, b.repository_id, b.name) AS token
    FROM azure_devops.branches AS b
    WHERE starts_with(b.name, 'refs/heads/')
    UNION ALL
    SELECT 'Git Repositories', 'new_branch', r.project_id, r.id, NULL,
           lower('repoV2/' || r.project_id || '/' || r.id || '/refs/heads/*')
    FROM azure_devops.repositories AS r
    WHERE NOT coalesce(r.is_disabled, FALSE)
    UNION ALL
    SELECT 'Build', 'definition', d.project_id, CAST(d.id AS VARCHAR), NULL,
           lower(d.project_id || replace(rtrim(coalesce(d.path, '\'), '\'), '\', '/') || '/' || CAST(d.id AS VARCHAR))
    FROM azure_devops.build_definitions AS d;

-- path_effective_allows(ns, action_names): who may do an action on each secured object of
-- path_secured_objects() in namespace ns: one row per object, subject (the graph descriptor of an identity
-- holding an access control entry on the object's token or a parent token) and action (by name, bits from
-- azure_devops.security_namespaces) the subject is allowed, with subject_name (the identity's display name).
-- How it decides, for one subject and one action bit:
--   * the object's chain is its token and every parent token ("/"-separated prefixes); an ACL whose
--     inheritPermissions is false cuts the chain there (its parents do not count for anyone);
--   * the identities that count are the subject and every group it belongs to (effective_group_memberships),
--     since every member of the subject has their entries too;
--   * for each such identity the most specific token of the chain where it has the bit allowed or denied
--     decides for it (an explicit entry on a child beats an inherited one; deny wins on the same token);
--   * the subject is allowed when some identity decides allow and none decides deny (deny wins across groups).
-- Simplifications: a finding about a group says what membership grants; a member with a deny of their own (or
-- through another group) is still denied. Project Collection Administrators' implicit rights are not added and
-- the effective/inherited bits of extendedInfo are not used (they are per entry, not per subject). A list
-- without entries (a row without a descriptor) still cuts inheritance.
-- Source: learn.microsoft.com/azure/devops/organizations/security/about-permissions (inheritance, explicit
--         Allow/Deny, "Deny overrides Allow"); REST Access Control Lists - Query (inheritPermissions, allow, deny).
CREATE OR REPLACE TEMP MACRO path_effective_allows(ns, action_names) AS TABLE
    WITH bits AS (
        SELECT a.action ->> 'name' AS action, CAST(a.action ->> 'bit' AS BIGINT) AS bit
        FROM azure_devops.security_namespaces AS n, unnest(CAST(n.actions AS JSON[])) AS a(action)
        WHERE n.name = ns AND list_contains(action_names, a.action ->> 'name')
    ), aces AS (
        SELECT rtrim(lower(token), '/') AS token, identity_subject_descriptor AS identity,
               identity_display_name AS name, coalesce(allow, 0) AS allow, coalesce(deny, 0) AS deny,
               coalesce(inherit_permissions, TRUE) AS inherit
        FROM azure_devops.access_control_lists
        WHERE namespace_name = ns AND identity_subject_descriptor IS NOT NULL
    ), objects AS (
        SELECT object_kind, project_id, object_id, object_ref, token AS object_token
        FROM path_secured_objects()
        WHERE namespace = ns
    ), chain AS (
        SELECT o.object_token, array_to_string(string_split(o.object_token, '/')[1:depth], '/') AS token, depth
        FROM (SELECT DISTINCT object_token FROM objects) AS o,
             range(1, len(string_split(o.object_token, '/')) + 1) AS r(depth)
    ), cut AS (
        -- Lists without entries count too (access_control_lists has them as rows without a descriptor).
        SELECT c.object_token, max(c.depth) AS cut_depth
        FROM chain AS c JOIN azure_devops.access_control_lists AS l ON rtrim(lower(l.token), '/') = c.token
        WHERE l.namespace_name = ns AND NOT coalesce(l.inherit_permissions, TRUE)
        GROUP BY c.object_token
    ), decisions AS (
        -- For one identity and bit on one object: its most specific entry with the bit decides, deny first.
        SELECT c.object_token, e.identity, b.bit,
               arg_max((e.deny & b.bit) = 0, c.depth * 2 + CAST((e.deny & b.bit) <> 0 AS INTEGER)) AS allowed
        FROM chain AS c
        JOIN aces AS e ON e.token = c.token
        LEFT JOIN cut AS k ON k.object_token = c.object_token
        JOIN bits AS b ON (e.allow | e.deny) & b.bit <> 0
        WHERE c.depth >= coalesce(k.cut_depth, 1)
        GROUP BY ALL
    ), allowed AS (
        -- The subject's own decision allows and no group it belongs to decides deny.
        SELECT a.object_token, a.identity AS subject, a.bit
        FROM decisions AS a
        WHERE a.allowed AND NOT EXISTS (
            SELECT 1
            FROM azure_devops.effective_group_memberships AS m
            JOIN decisions AS d ON d.identity = m.group_descriptor
            WHERE m.member_descriptor = a.identity AND d.object_token = a.object_token AND d.bit = a.bit
              AND NOT d.allowed)
    ), names AS (
        SELECT identity, any_value(name) AS name FROM aces GROUP BY identity
    )
    SELECT o.object_kind, o.project_id, o.object_id, o.object_ref, a.subject, n.name AS subject_name, b.action
    FROM allowed AS a
    JOIN objects AS o ON o.object_token = a.object_token
    JOIN bits AS b ON b.bit = a.bit
    JOIN names AS n ON n.identity = a.subject;

-- path_git_allows(): path_effective_allows for the Git Repositories actions the path rules follow (Contribute,
-- Create branch, Bypass policies when pushing, Bypass policies when completing pull requests) on every branch
-- and new branch: one argument-free table, so a batch of rules evaluates the repositories' ACLs once.
CREATE OR REPLACE TEMP MACRO path_git_allows() AS TABLE
    SELECT *
    FROM path_effective_allows('Git Repositories',
                               ['GenericContribute', 'CreateBranch', 'PolicyExempt', 'PullRequestBypassPolicy']);

-- path_is_human_subject(subject): an identity whose rights the path rules report as an attacker's entry point:
-- not a build service identity (svc. descriptor: its rights are the job token's, see path_job_identities) and
-- not one of privileged_groups() (administrators can do all of it anyway).
-- Source: learn.microsoft.com/azure/devops/organizations/security/permissions#groups
CREATE OR REPLACE TEMP MACRO path_is_human_subject(subject) AS
    NOT starts_with(subject, 'svc.')
    AND NOT EXISTS (SELECT 1 FROM privileged_groups() AS g WHERE g.descriptor = subject);

-- path_ref_filter_matches(filters, ref_name): a list of branch filters of a trigger (+refs/heads/main,
-- -refs/heads/old/*, main, release/*: "+" or no sign includes, "-" excludes, "*" is a wildcard, a name without
-- refs/ means refs/heads/<name>) selects the branch ref_name: some include matches and no exclude does.
-- Source: learn.microsoft.com/azure/devops/pipelines/repos/azure-repos-git#branches (CI triggers, wildcards).
CREATE OR REPLACE TEMP MACRO path_ref_filter_matches(filters, ref_name) AS
    len(list_filter(filters, lambda f: NOT starts_with(f, '-')
        AND ref_name GLOB (CASE WHEN starts_with(ltrim(f, '+'), 'refs/') THEN ltrim(f, '+')
                                ELSE 'refs/heads/' || ltrim(f, '+') END))) > 0
    AND len(list_filter(filters, lambda f: starts_with(f, '-')
        AND ref_name GLOB (CASE WHEN starts_with(ltrim(f, '-'), 'refs/') THEN ltrim(f, '-')
                                ELSE 'refs/heads/' || ltrim(f, '-') END))) = 0;

-- path_ci_branches(): the branches a pipeline runs on when someone pushes to them: one row per build
-- definition (definition_id, definition_name, project_id) and branch (repository_id, ref_name) of its own Azure
-- Repos repository. From the definition's continuousIntegration trigger (its branchFilters) when the trigger is
-- defined on the definition (settingsSourceType absent or 1); when it says the YAML file decides
-- (settingsSourceType 2), from a top-level `trigger:` list of branch names in the YAML file (pipeline_yaml_files,
-- default branch). Simplification: other YAML trigger forms (branches: include:, batch, trigger omitted = every
-- branch) are not read, so those pipelines are not claimed to run on pushes; paused or disabled definitions
-- (queueStatus) do not run.
-- Source: learn.microsoft.com/azure/devops/pipelines/repos/azure-repos-git#ci-triggers;
--         REST Build Definitions (BuildTrigger: triggerType, branchFilters, settingsSourceType).
CREATE OR REPLACE TEMP MACRO path_ci_branches() AS TABLE
    WITH ci AS (
        SELECT d.project_id, d.id AS definition_id, d.name AS definition_name, d.repository_id,
               CASE WHEN coalesce(TRY_CAST(t.trigger ->> 'settingsSourceType' AS INTEGER), 1) = 2
                    THEN [trim(regexp_replace(x, '^\s*-\s*|[\r''"]', '', 'g')) FOR x IN string_split(
                              regexp_extract(f.content, '(?m)^trigger:[ \t]*\n((?:[ \t]*-[ \t]*[^\n]+\n)+)', 1),
                              chr(10)) IF trim(x) <> '']
                    ELSE CAST(t.trigger -> 'branchFilters' AS VARCHAR[]) END AS filters
        FROM azure_devops.build_definitions AS d
        CROSS JOIN unnest(CAST(d.triggers AS JSON[])) AS t(trigger)
        LEFT JOIN azure_devops.pipeline_yaml_files AS f ON f.project_id = d.project_id AND f.definition_id = d.id
        WHERE t.trigger ->> 'triggerType' = 'continuousIntegration'
          AND coalesce(d.repository_type, 'TfsGit') = 'TfsGit'
          AND coalesce(d.queue_status, 'enabled') = 'enabled'
    )
    SELECT DISTINCT ci.project_id, ci.definition_id, ci.definition_name, ci.repository_id, b.name AS ref_name
    FROM ci
    JOIN azure_devops.branches AS b ON b.repository_id = ci.repository_id
    WHERE path_ref_filter_matches(coalesce(ci.filters, []), b.name);

-- path_branch_needs_pull_request(pid, rid, dflt, ref): an enabled, not deleted branch policy (any type,
-- blocking or optional: a policy on a branch makes Azure Repos reject direct pushes) covers branch ref of
-- repository rid (project pid, default branch dflt), so changes reach it only through a pull request. A scope
-- entry covers it when its repositoryId is NULL (all repositories of the project) or the repository, and its
-- matchKind is Exact (refName equal), Prefix (refName a prefix) or DefaultBranch (the repository's default
-- branch); an entry with neither matchKind nor refName covers every branch, except for the repository-wide push
-- policies (File size / Path length / Reserved names / File name restriction, Commit author email validation),
-- which reject pushes by their content but do not require pull requests.
-- Source: learn.microsoft.com/azure/devops/repos/git/branch-policies ("require all changes through pull
--         requests"); REST Policy Configurations (settings.scope).
CREATE OR REPLACE TEMP MACRO path_branch_needs_pull_request(pid, rid, dflt, ref) AS
    EXISTS (
        SELECT 1
        FROM azure_devops.policy_configurations AS p,
             unnest(from_json(p.scope, '[{"repositoryId":"VARCHAR","refName":"VARCHAR","matchKind":"VARCHAR"}]'))
                 AS s(entry)
        WHERE p.project_id = pid AND coalesce(p.is_enabled, FALSE) AND NOT coalesce(p.deleted, FALSE)
          AND (s.entry.repositoryId IS NULL OR lower(s.entry.repositoryId) = lower(rid))
          AND (lower(s.entry.matchKind) = 'exact' AND s.entry.refName = ref
               OR lower(s.entry.matchKind) = 'prefix' AND starts_with(ref, s.entry.refName)
               OR lower(s.entry.matchKind) = 'defaultbranch' AND ref = dflt
               OR (s.entry.matchKind IS NULL AND s.entry.refName IS NULL
                   AND NOT regexp_matches(coalesce(p.type_name, ''), '(?i)restriction|author email'))));

-- path_branch_pushers(): who can put commits on a branch: one row per branch (project_id, repository_id,
-- repository_name, ref_name) and subject (subject, subject_name) allowed GenericContribute ("Contribute") on
-- it by path_effective_allows, when no branch policy requires pull requests there
-- (path_branch_needs_pull_request), or the subject may also bypass them: PolicyExempt ("Bypass policies when
-- pushing") or PullRequestBypassPolicy ("Bypass policies when completing pull requests"). how says which
-- ('push to' or 'bypass the branch policies of'). Disabled repositories are skipped.
-- Source: learn.microsoft.com/azure/devops/repos/git/set-git-repository-permissions (Contribute, Bypass
--         policies); learn.microsoft.com/azure/devops/repos/git/branch-permissions.
CREATE OR REPLACE TEMP MACRO path_branch_pushers() AS TABLE
    WITH allowed AS (
        SELECT project_id, object_id AS repository_id, object_ref AS ref_name, subject,
               any_value(subject_name) AS subject_name, list(action) AS actions
        FROM path_git_allows()
        WHERE object_kind = 'branch' AND action IN ('GenericContribute', 'PolicyExempt', 'PullRequestBypassPolicy')
        GROUP BY ALL
    ), judged AS (
        SELECT a.*, r.name AS repository_name,
               path_branch_needs_pull_request(a.project_id, a.repository_id, r.default_branch, a.ref_name) AS needs_pr
        FROM allowed AS a
        JOIN azure_devops.repositories AS r ON r.id = a.repository_id
        WHERE list_contains(a.actions, 'GenericContribute') AND NOT coalesce(r.is_disabled, FALSE)
    )
    SELECT project_id, repository_id, repository_name, ref_name, subject, subject_name,
           CASE WHEN needs_pr THEN 'bypass the branch policies of' ELSE 'push to' END AS how
    FROM judged
    WHERE NOT needs_pr OR list_contains(actions, 'PolicyExempt') OR list_contains(actions, 'PullRequestBypassPolicy');

-- path_branch_creators(): who can push a new branch of their own to a repository: one row per enabled repository
-- (project_id, repository_id, repository_name) and subject allowed both CreateBranch ("Create branch") and
-- GenericContribute ("Contribute") on a new branch (path_secured_objects kind new_branch), unless a branch policy
-- with a Prefix scope covers every new branch name (refs/heads/), which would force a pull request.
-- Source: learn.microsoft.com/azure/devops/repos/git/set-git-repository-permissions (Create branch, Contribute);
--         learn.microsoft.com/azure/devops/repos/git/branch-permissions.
CREATE OR REPLACE TEMP MACRO path_branch_creators() AS TABLE
    SELECT a.project_id, a.object_id AS repository_id, r.name AS repository_name, a.subject,
           any_value(a.subject_name) AS subject_name
    FROM path_git_allows() AS a
    JOIN azure_devops.repositories AS r ON r.id = a.object_id
    WHERE a.object_kind = 'new_branch' AND a.action IN ('CreateBranch', 'GenericContribute')
      AND NOT path_branch_needs_pull_request(a.project_id, a.object_id, r.default_branch, 'refs/heads/*')
    GROUP BY a.project_id, a.object_id, r.name, a.subject
    HAVING count(DISTINCT a.action) = 2;

-- path_pipeline_queuers(): who can queue a run of a build definition, choosing its branch and queue-time
-- variables: one row per definition (project_id, definition_id) and subject (people and groups only,
-- path_is_human_subject) allowed QueueBuilds ("Queue builds") on it by path_effective_allows.
-- Source: learn.microsoft.com/azure/devops/pipelines/policies/permissions#pipeline-permissions
CREATE OR REPLACE TEMP MACRO path_pipeline_queuers() AS TABLE
    SELECT project_id, CAST(object_id AS BIGINT) AS definition_id, subject, subject_name
    FROM path_effective_allows('Build', ['QueueBuilds'])
    WHERE object_kind = 'definition' AND path_is_human_subject(subject);

-- path_short_ref(ref_name): a branch as people write it in messages: `main` for refs/heads/main.
CREATE OR REPLACE TEMP MACRO path_short_ref(ref_name) AS
    '`' || regexp_replace(coalesce(ref_name, '?'), '^refs/heads/', '') || '`';

-- path_resource_gates(): per protected resource (resource_type, resource_id_ref, as in pipeline_permissions)
-- which enabled checks stop a pipeline that may use it: has_approval (an Approval check: a person decides),
-- has_branch_control (the Branch control check, task evaluatebranchProtection) and has_required_template
-- (ExtendsCheck). Checks of every project count (conservative for resources shared across projects).
-- The same filter as enabled_checks() (pipelines.sql: a disabled check is skipped).
-- Source: learn.microsoft.com/azure/devops/pipelines/process/approvals (approvals, branch control, required
--         template); REST Check Configurations (type, settings.definitionRef, isDisabled).
CREATE OR REPLACE TEMP MACRO path_resource_gates() AS TABLE
    SELECT resource_type, resource_id_ref,
           bool_or(type_name = 'Approval') AS has_approval,
           bool_or(type_name = 'Task Check' AND (settings ->> '$.definitionRef.name') = 'evaluatebranchProtection')
               AS has_branch_control,
           bool_or(type_name = 'ExtendsCheck') AS has_required_template
    FROM azure_devops.check_configurations
    WHERE NOT coalesce(is_disabled, FALSE)
    GROUP BY resource_type, resource_id_ref;

-- path_wide_scope(type, scope_level, authorization_scope): the words for how wide an Azure Resource Manager
-- service connection reaches when it is scoped to a whole subscription ("the whole subscription") or
-- management group ("a whole management group"), NULL for narrower (resource group) or other connections.
-- Source: learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure (scope level: subscription,
--         management group, resource group); the same test as rule sc.azure_auth_and_scope.
CREATE OR REPLACE TEMP MACRO path_wide_scope(type, scope_level, authorization_scope) AS
    CASE WHEN lower(coalesce(type, '')) = 'azurerm' AND coalesce(authorization_scope, '') NOT ILIKE '%/resourcegroups/%'
         THEN CASE scope_level WHEN 'Subscription' THEN 'the whole subscription'
                               WHEN 'ManagementGroup' THEN 'a whole management group' END END;

-- path_pipeline_secrets(): the protected resources holding credentials that a build definition may use, and
-- which checks guard them: one row per definition (project_id, definition_id) and resource (resource_type endpoint,
-- variablegroup or securefile; resource_id_ref; resource_name) that pipeline_permissions authorizes for it
-- (the resource is open to all pipelines of the definition's project, or the definition is in
-- authorized_pipeline_ids), with label (e.g. "variable group prod-secrets (open to all pipelines)"), access,
-- wide_scope (path_wide_scope of a service connection) and the gates of path_resource_gates (FALSE when none).
-- A resource holds credentials when it is a service connection, a secure file, or a variable group with a
-- secret variable or linked to a Key Vault. Paused and disabled definitions are skipped.
-- Source: learn.microsoft.com/azure/devops/pipelines/security/resources (pipeline permissions, open access,
--         checks); REST Pipeline Permissions (allPipelines, pipelines).
CREATE OR REPLACE TEMP MACRO path_pipeline_secrets() AS TABLE
    WITH reach AS (
        SELECT d.project_id, d.id AS definition_id, p.resource_type, p.resource_id_ref, p.resource_name,
               CASE WHEN coalesce(p.all_pipelines_authorized, FALSE) THEN 'open to all pipelines'
                    ELSE 'authorized for it' END AS access
        FROM azure_devops.build_definitions AS d
        JOIN azure_devops.pipeline_permissions AS p ON p.project_id = d.project_id
        WHERE coalesce(d.queue_status, 'enabled') = 'enabled'
          AND (coalesce(p.all_pipelines_authorized, FALSE)
               OR list_contains(CAST(coalesce(p.authorized_pipeline_ids, '[]') AS BIGINT[]), d.id))
    )
    SELECT r.*, sc.name IS NOT NULL AS is_service_connection,
           path_wide_scope(sc.type, sc.scope_level, sc.authorization_scope) AS wide_scope,
           CASE r.resource_type WHEN 'endpoint' THEN 'service connection ' || r.resource_name
                WHEN 'securefile' THEN 'secure file ' || r.resource_name
                ELSE CASE WHEN vg.type = 'AzureKeyVault' THEN 'Key Vault variable group ' ELSE 'variable group ' END
                     || r.resource_name END || ' (' || r.access || ')' AS label,
           coalesce(g.has_approval, FALSE) AS has_approval,
           coalesce(g.has_branch_control, FALSE) AS has_branch_control,
           coalesce(g.has_required_template, FALSE) AS has_required_template
    FROM reach AS r
    LEFT JOIN azure_devops.service_connections AS sc ON r.resource_type = 'endpoint' AND sc.id = r.resource_id_ref
    LEFT JOIN azure_devops.variable_groups AS vg
        ON r.resource_type = 'variablegroup' AND CAST(vg.id AS VARCHAR) = r.resource_id_ref
    LEFT JOIN path_resource_gates() AS g ON g.resource_type = r.resource_type AND g.resource_id_ref = r.resource_id_ref
    WHERE (r.resource_type = 'endpoint' AND sc.name IS NOT NULL AND NOT coalesce(sc.is_disabled, FALSE))
       OR r.resource_type = 'securefile'
       OR (r.resource_type = 'variablegroup'
           AND (coalesce(vg.secret_variable_count, 0) > 0 OR vg.type = 'AzureKeyVault'));

-- path_secret_summary(approval_only): per build definition (project_id, definition_id) the credentials of
-- path_pipeline_secrets() it may use with no Approval check and, unless approval_only, no Branch control and no
-- Required template check either (approval_only suits paths where the attacker changes the pipeline itself:
-- an edited classic pipeline still runs from the protected branch). Columns: labels ("service connection x
-- (open to all pipelines); ..."), wide (the wide-scope step, "x is scoped to the whole subscription; ...", NULL
-- when none).
CREATE OR REPLACE TEMP MACRO path_secret_summary(approval_only) AS TABLE
    SELECT project_id, definition_id,
           array_to_string(list_sort(list_distinct(list(label))), '; ') AS labels,
           nullif(array_to_string(list_sort(list_distinct(list(resource_name || ' is scoped to ' || wide_scope)
                                                          FILTER (WHERE wide_scope IS NOT NULL))), '; '), '')
               AS wide
    FROM path_pipeline_secrets()
    WHERE NOT has_approval AND (approval_only OR (NOT has_branch_control AND NOT has_required_template))
    GROUP BY ALL;

-- path_pipeline_editors(): who can change what a build definition runs: one row per definition (project_id,
-- definition_id) and subject (people and groups only, path_is_human_subject) allowed EditBuildDefinition
-- ("Edit build pipeline") on it by path_effective_allows. That changes a classic pipeline's steps directly; a
-- YAML pipeline's steps live in its repository, so for YAML pipelines the subject must also be allowed
-- GenericContribute on some branch of the definition's Azure Repos repository (itself or through a group it
-- belongs to, when it has no deny of its own for Contribute in that project's repositories); YAML pipelines
-- on other repositories (GitHub, ...) are left out, their write access is not known.
-- Source: learn.microsoft.com/azure/devops/pipelines/policies/permissions#pipeline-permissions;
--         learn.microsoft.com/azure/devops/repos/git/set-git-repository-permissions (Contribute).
CREATE OR REPLACE TEMP MACRO path_pipeline_editors() AS TABLE
    WITH editors AS (
        SELECT project_id, CAST(object_id AS BIGINT) AS definition_id, subject, subject_name
        FROM path_effective_allows('Build', ['EditBuildDefinition'])
        WHERE object_kind = 'definition' AND path_is_human_subject(subject)
    ), writers AS (
        SELECT DISTINCT project_id, object_id AS repository_id, subject
        FROM path_git_allows()
        WHERE object_kind = 'branch' AND action = 'GenericContribute'
    ), own_denies AS (
        SELECT DISTINCT identity_subject_descriptor AS subject, split_part(lower(token), '/', 2) AS project_id
        FROM azure_devops.access_control_lists
        WHERE namespace_name = 'Git Repositories' AND coalesce(deny, 0) & 4 <> 0  -- GenericContribute
    )
    SELECT e.*
    FROM editors AS e
    JOIN azure_devops.build_definitions AS d ON d.project_id = e.project_id AND d.id = e.definition_id
    WHERE d.process_type = 1
       OR (coalesce(d.repository_type, 'TfsGit') = 'TfsGit'
           AND (EXISTS (SELECT 1 FROM writers AS w WHERE w.repository_id = d.repository_id AND w.subject = e.subject)
                OR (EXISTS (SELECT 1 FROM writers AS w
                            JOIN azure_devops.effective_group_memberships AS m ON m.group_descriptor = w.subject
                            WHERE w.repository_id = d.repository_id AND m.member_descriptor = e.subject)
                    AND NOT EXISTS (SELECT 1 FROM own_denies AS o
                                    WHERE o.subject = e.subject AND o.project_id = lower(d.project_id)))));

-- path_pipeline_pools(): the agent pools a build definition's jobs run on: its default queue's pool
-- (build_definitions.pool_id) and every pool its YAML names (pipeline_yaml_elements kind pool or job with
-- pool_name, matched by name to the project's agent queues). Columns: project_id, definition_id, pool_id,
-- pool_name, pool_is_hosted.
-- Source: learn.microsoft.com/azure/devops/pipelines/agents/pools-queues; YAML schema `pool`.
CREATE OR REPLACE TEMP MACRO path_pipeline_pools() AS TABLE
    SELECT DISTINCT d.project_id, d.id AS definition_id, q.pool_id, q.pool_name, q.pool_is_hosted
    FROM azure_devops.build_definitions AS d
    JOIN azure_devops.agent_queues AS q
        ON q.project_id = d.project_id
       AND (q.id = d.queue_id
            OR q.name IN (SELECT e.pool_name FROM azure_devops.pipeline_yaml_elements AS e
                          WHERE e.project_id = d.project_id AND e.definition_id = d.id
                            AND e.kind IN ('pool', 'job') AND e.pool_name IS NOT NULL));

-- path_message(steps): a path finding's message: its steps in order, joined by " → ", steps that are NULL left
-- out (e.g. a wide-scope step that does not apply).
CREATE OR REPLACE TEMP MACRO path_message(steps) AS
    array_to_string(list_filter(steps, lambda step: step IS NOT NULL), ' → ');

-- path_edit_step(names, definition_name, process_type, repository_name): the step "who can change what a
-- pipeline runs" of path_pipeline_editors in words: "<names> can edit pipeline <name>", plus "and push to a
-- branch of <repository>" (where its YAML lives) for a YAML pipeline (process_type 2).
CREATE OR REPLACE TEMP MACRO path_edit_step(names, definition_name, process_type, repository_name) AS
    names || ' can edit pipeline ' || definition_name
    || CASE WHEN coalesce(process_type, 2) = 2
            THEN ' and push to a branch of its repository ' || coalesce(repository_name, '?') ELSE '' END;

-- path_capped_list(items, max_named, separator): a list of step texts for a message: the distinct items sorted,
-- at most max_named of them, joined by separator, then "and N more" when some were left out.
CREATE OR REPLACE TEMP MACRO path_capped_list(items, max_named, separator) AS
    array_to_string(list_sort(list_distinct(items))[1:max_named], separator)
    || CASE WHEN len(list_distinct(items)) > max_named
            THEN separator || 'and ' || (len(list_distinct(items)) - max_named) || ' more' ELSE '' END;

-- path_org_setting(setting): an organization-level pipeline setting (azure_devops.organization_pipeline_settings,
-- by name, e.g. enforceSettableVar) is on. A setting turned on for the organization is in force in every
-- project, whatever the project's own value (pipeline_settings), so a step that a setting blocks needs both off.
-- Source: learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope (a scope limited
--         at the organization level cannot be changed in each project; the other settings of Organization settings
--         > Pipelines > Settings work the same way).
CREATE OR REPLACE TEMP MACRO path_org_setting(setting) AS
    coalesce((SELECT bool_or(enabled) FROM azure_devops.organization_pipeline_settings WHERE name = setting), FALSE);
