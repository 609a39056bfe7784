-- Shared SQL for rules: repositories, their permissions and policies, pull requests, Advanced Security,
-- service hooks.

-- repository_settings_url(organization, project_name, repository_id, tab): the web address of a repository's
-- page in Project settings > Repositories; tab is settingsMid, policiesMid or permissionsMid (the Settings,
-- Policies and Security tabs). Source: the address the web UI opens for these tabs.
CREATE OR REPLACE TEMP MACRO repository_settings_url(organization, project_name, repository_id, tab) AS
    project_url(organization, project_name) || '/_settings/repositories?repo=' || url_encode(repository_id)
        || '&_a=' || tab;

-- pull_request_url(organization, project_name, repository_name, pull_request_id): a pull request's web page.
-- Source: learn.microsoft.com/azure/devops/repos/git/pull-requests (…/_git/<repo>/pullrequest/<id>).
CREATE OR REPLACE TEMP MACRO pull_request_url(organization, project_name, repository_name, pull_request_id) AS
    project_url(organization, project_name) || '/_git/' || url_encode(repository_name) || '/pullrequest/'
        || CAST(pull_request_id AS VARCHAR);

-- is_build_service_identity(display_name, descriptor): the identity is a build service: a project's
-- "<Project> Build Service (<org>)", "Project Collection Build Service (<org>)" (ServiceIdentity descriptors of
-- kind Build) or the "Project Collection Build Service Accounts" group holding them. Pipelines run as these
-- identities, so whatever they may do, every pipeline of the project may do.
-- Source: learn.microsoft.com/azure/devops/pipelines/process/access-tokens#job-authorization-scope
CREATE OR REPLACE TEMP MACRO is_build_service_identity(display_name, descriptor) AS
    regexp_matches(coalesce(display_name, '') || ' ' || coalesce(descriptor, ''),
                   '(?i)(build service|ServiceIdentity;[^ ]*:Build:)');

-- git_ref_segment(hex): one '/'-separated segment of a branch name as the Git Repositories namespace writes it
-- in a token: the segment's UTF-16LE code units in hex, 4 digits each ('6d00610069006e00' -> 'main').
-- Source: learn.microsoft.com/dotnet/api/microsoft.teamfoundation.sourcecontrol.webapi.gitpermissionsutil
--         (GetRefNameFromToken) and learn.microsoft.com/azure/devops/organizations/security/namespace-reference.
CREATE OR REPLACE TEMP MACRO git_ref_segment(hex) AS
    array_to_string([chr(CAST('0x' || substr(hex, i + 2, 2) || substr(hex, i, 2) AS INTEGER))
                     FOR i IN range(1, length(hex), 4)], '');

-- git_acl_entries(): the access control entries of the Git Repositories namespace
-- (2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87) with their token decoded. Tokens are repoV2 (every project),
-- repoV2/<projectId> (every repository of the project), repoV2/<projectId>/<repositoryId> (one repository) and
-- repoV2/<projectId>/<repositoryId>/refs/heads/<hex segments>/ (a branch or folder; refs/heads/ alone is "All
-- branches"). Columns: every azure_devops.access_control_lists column plus level (organization, project,
-- repository or branch), token_project_id, token_repository_id and ref_name (refs/heads/... decoded, NULL above
-- branch level). allow and deny are the bits set explicitly on the token (not inherited).
-- Source: learn.microsoft.com/azure/devops/organizations/security/namespace-reference (Git Repositories) and
--         REST Access Control Lists - Query.
CREATE OR REPLACE TEMP MACRO git_acl_entries() AS TABLE
    WITH parts AS (
        SELECT a.*, string_split(rtrim(a.token, '/'), '/') AS part
        FROM azure_devops.access_control_lists AS a
        WHERE a.namespace_id = '2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87' AND starts_with(a.token, 'repoV2')
    )
    SELECT * EXCLUDE (part),
           CASE WHEN len(part) = 1 THEN 'organization' WHEN len(part) = 2 THEN 'project'
                WHEN len(part) = 3 THEN 'repository' ELSE 'branch' END AS level,
           part[2] AS token_project_id,
           part[3] AS token_repository_id,
           CASE WHEN len(part) >= 5 AND part[4] = 'refs' AND part[5] = 'heads'
                THEN 'refs/heads/' || array_to_string([git_ref_segment(x) FOR x IN part[6:]], '/') END AS ref_name
    FROM parts;

-- git_permission_grants(level, actions): the git_acl_entries() rows at that level (project, repository or
-- branch) that explicitly allow any of those Git permissions (action names as in
-- azure_devops.security_namespaces.actions, e.g. GenericContribute, ForcePush, PullRequestBypassPolicy), with
-- granted: the names of those actions the entry allows. "Allow" set on the token itself counts; "Allow
-- (inherited)" from a level above does not, as in the ADO Security Scanner's default
-- (CheckForInheritedPermissions false).
CREATE OR REPLACE TEMP MACRO git_permission_grants(entry_level, actions) AS TABLE
    SELECT *, namespace_action_names('2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87',
                                     coalesce(allow, 0) & namespace_action_bits('2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87', actions))
              AS granted
    FROM git_acl_entries()
    WHERE level = entry_level
      AND (coalesce(allow, 0) & namespace_action_bits('2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87', actions)) <> 0;

-- active_repositories(tab): the repositories that are not disabled, as findings: every azure_devops.repositories
-- column plus resource_name (the repository's name) and url (its Project settings > Repositories page, tab
-- settingsMid, policiesMid or permissionsMid: repository_settings_url).
CREATE OR REPLACE TEMP MACRO active_repositories(tab) AS TABLE
    SELECT r.*, r.name AS resource_name, repository_settings_url(r.organization, r.project_name, r.id, tab) AS url
    FROM azure_devops.repositories AS r
    WHERE NOT coalesce(r.is_disabled, FALSE);

-- default_branch_policies(policy_type_id): one row per active repository with a default branch and enabled,
-- blocking, not deleted branch policy of that type applying to that default branch (enforced_policy_scopes +
-- policy_scope_applies_to_default_branch): repository_id plus the policy's type_id and settings.
-- Source: learn.microsoft.com/azure/devops/repos/git/branch-policies
CREATE OR REPLACE TEMP MACRO default_branch_policies(policy_type_id) AS TABLE
    SELECT DISTINCT r.id AS repository_id, s.type_id, s.id AS policy_id, s.settings
    FROM azure_devops.repositories AS r
    JOIN enforced_policy_scopes(policy_type_id) AS s
      ON s.project_id = r.project_id
     AND policy_scope_applies_to_default_branch(s.scope_repository_id, s.scope_ref_name, s.scope_match_kind,
                                                r.id, r.default_branch)
    WHERE NOT coalesce(r.is_disabled, FALSE) AND r.default_branch IS NOT NULL;

-- repositories_without_enforced_policy(policy_type_id): the active_repositories('policiesMid') with a default
-- branch that no default_branch_policies(policy_type_id) row covers.
CREATE OR REPLACE TEMP MACRO repositories_without_enforced_policy(policy_type_id) AS TABLE
    SELECT r.*
    FROM active_repositories('policiesMid') AS r
    WHERE r.default_branch IS NOT NULL
      AND r.id NOT IN (SELECT repository_id FROM default_branch_policies(policy_type_id));

-- build_service_grants(entry_level, actions): git_permission_grants(entry_level, actions) of build service
-- identities (is_build_service_identity), one row per repository (token_repository_id) and ref_name, with
-- who: "<identity> (<granted actions>)" for each, joined with "; ".
CREATE OR REPLACE TEMP MACRO build_service_grants(entry_level, actions) AS TABLE
    SELECT token_repository_id, ref_name,
           string_agg(identity_display_name || ' (' || array_to_string(granted, ', ') || ')', '; '
                      ORDER BY identity_display_name) AS who
    FROM git_permission_grants(entry_level, actions)
    WHERE is_build_service_identity(identity_display_name, descriptor)
    GROUP BY token_repository_id, ref_name;

-- advanced_security_findings(): the azure_devops.advanced_security rows of active repositories (not disabled,
-- not empty: they have a default branch), as findings: resource_name (the repository), id (its id), url (its
-- Settings tab, where Advanced Security is switched on) and code_security_note (' (Code Security is off)' when
-- the Code Security product is off, else '').
-- Source: learn.microsoft.com/azure/devops/repos/security/configure-github-advanced-security-features
CREATE OR REPLACE TEMP MACRO advanced_security_findings() AS TABLE
    SELECT a.*, a.repository_name AS resource_name, a.repository_id AS id, r.url,
           CASE WHEN coalesce(a.code_security_enabled, FALSE) THEN '' ELSE ' (Code Security is off)' END
               AS code_security_note
    FROM azure_devops.advanced_security AS a
    JOIN active_repositories('settingsMid') AS r ON r.id = a.repository_id
    WHERE r.default_branch IS NOT NULL;

-- pull_request_findings(): azure_devops.pull_requests as findings: resource_name (the title), url (the pull
-- request's page, pull_request_url) and label ('Pull request <id> "<title>" in <repository>').
CREATE OR REPLACE TEMP MACRO pull_request_findings() AS TABLE
    SELECT * EXCLUDE (url), title AS resource_name,
           pull_request_url(organization, project_name, repository_name, pull_request_id) AS url,
           'Pull request ' || pull_request_id || ' "' || title || '" in ' || repository_name AS label
    FROM azure_devops.pull_requests;

-- service_hook_label(consumer_id, event_type, target_host): how a service hook subscription is named in
-- findings: "<consumer> <event>" plus " to <host>" when the target host is known
-- (e.g. "webHooks git.push to build.example.com").
CREATE OR REPLACE TEMP MACRO service_hook_label(consumer_id, event_type, target_host) AS
    consumer_id || ' ' || event_type || coalesce(' to ' || target_host, '');

-- service_hooks_url(organization, project_name): the Service hooks page of the subscription's project (Project
-- settings > Service hooks), or the organization's settings when the subscription is not limited to a project.
CREATE OR REPLACE TEMP MACRO service_hooks_url(organization, project_name) AS
    coalesce(project_url(organization, project_name) || '/_settings/serviceHooks',
             organization_url(organization) || '/_settings/organizationOverview');

-- service_hook_target_trusted(consumer_id, target_host, trusted_consumers, trusted_hosts): a subscription
-- delivers to a destination the organization trusts: its consumer is one of trusted_consumers (services such as
-- azureStorageQueue or azureServiceBus that write into the organization's own Azure resources), or its target
-- host equals one of trusted_hosts or ends with ".<entry>" for an entry (so "office.com" also trusts
-- "contoso.webhook.office.com"). Source: learn.microsoft.com/azure/devops/service-hooks/overview (consumers).
CREATE OR REPLACE TEMP MACRO service_hook_target_trusted(consumer_id, target_host, trusted_consumers, trusted_hosts) AS
    list_contains(trusted_consumers, consumer_id)
    OR (target_host IS NOT NULL
        AND len(list_filter(trusted_hosts, lambda h: lower(target_host) = lower(h)
                                                       OR ends_with(lower(target_host), '.' || lower(h)))) > 0);

-- service_hook_findings(): azure_devops.service_hooks as findings: resource_name (service_hook_label) and url
-- (service_hooks_url of the subscription's project).
CREATE OR REPLACE TEMP MACRO service_hook_findings() AS TABLE
    SELECT *, service_hook_label(consumer_id, event_type, target_host) AS resource_name,
           service_hooks_url(organization, project_name) AS url
    FROM azure_devops.service_hooks;
