-- Shared SQL for rules: accounts — personal access tokens, the people in groups, organization settings.

-- active_pats(): the azure_devops.personal_access_tokens rows of tokens that still work: valid (not revoked)
-- and not yet expired. Added columns: owner (the user's principal name), scopes (the space-separated scope
-- string as a list; full access is the single scope app_token), validity_days (expires_at - starts_at, the
-- lifetime chosen at creation or last extension) and days_left (until expires_at).
-- Source: learn.microsoft.com/rest/api/azure/devops/tokenadmin/personal-access-tokens (SessionToken: scope,
--         validFrom, validTo, isValid, targetAccounts).
CREATE OR REPLACE TEMP MACRO active_pats() AS TABLE
    SELECT *,
           coalesce(user_principal_name, user_descriptor) AS owner,
           string_split_regex(trim(coalesce(scope, '')), '\s+') AS scopes,
           date_diff('day', starts_at, expires_at) AS validity_days,
           date_diff('day', utc_now(), expires_at) AS days_left
    FROM azure_devops.personal_access_tokens
    WHERE coalesce(is_valid, FALSE) AND expires_at > utc_now();

-- pat_label(display_name, owner): how a personal access token is named in messages:
-- Personal access token "<name>" of <owner>.
CREATE OR REPLACE TEMP MACRO pat_label(display_name, owner) AS
    'Personal access token "' || coalesce(display_name, '(unnamed)') || '" of ' || coalesce(owner, 'an unknown user');

-- group_people(human_kinds): one row per person in a group, directly or through nested groups: every
-- azure_devops.effective_group_memberships row whose member kind is one of human_kinds (descriptor prefixes
-- such as aad and msa; svc build identities, aadsp service principals and groups are not people), with
-- group_name (group_label of the group), project_id of the group, person_name / person_principal_name (from
-- azure_devops.users) and via_name: the name of the group the person is a direct member of (the group itself
-- when is_direct). Source: learn.microsoft.com/azure/devops/organizations/security/add-users-team-project
--         (groups nest; members of a nested group get the containing group's permissions).
CREATE OR REPLACE TEMP MACRO group_people(human_kinds) AS TABLE
    SELECT m.group_descriptor, m.member_descriptor, m.member_kind, m.depth, m.is_direct,
           g.project_id, group_label(g.project_id, g.display_name, g.principal_name) AS group_name,
           coalesce(u.display_name, m.member_descriptor) AS person_name,
           coalesce(u.principal_name, u.display_name, m.member_descriptor) AS person_principal_name,
           coalesce(v.display_name, g.display_name) AS via_name
    FROM azure_devops.effective_group_memberships AS m
    JOIN azure_devops.groups AS g ON g.descriptor = m.group_descriptor
    LEFT JOIN azure_devops.users AS u ON u.descriptor = m.member_descriptor
    LEFT JOIN azure_devops.groups AS v
        ON v.descriptor = CAST(m.path AS VARCHAR[])[len(CAST(m.path AS VARCHAR[])) - 1]
    WHERE list_contains(human_kinds, m.member_kind);

-- organization_pipeline_settings_url(organization): the organization's Pipelines > Settings page, where the
-- organization-wide pipeline settings (azure_devops.organization_pipeline_settings) are changed.
CREATE OR REPLACE TEMP MACRO organization_pipeline_settings_url(organization) AS
    organization_url(organization) || '/_settings/pipelinessettings';

-- account_staleness(entitled, deleted_in_origin, last_accessed_date, date_created, inactive_days,
--                   never_signed_in_days): why an account can no longer be trusted to be in use by its owner,
-- as verb phrases joined by ' and ' (NULL when none applies): it "has no access level in the organization any
-- more" (entitled is FALSE: no azure_devops.user_entitlements row), "was deleted from its directory"
-- (GraphUser.isDeletedInOrigin), or it never signed in / last signed in N days ago (is_inactive with those
-- thresholds, on UserEntitlement.lastAccessedDate and dateCreated).
CREATE OR REPLACE TEMP MACRO account_staleness(entitled, deleted_in_origin, last_accessed_date, date_created,
                                               inactive_days, never_signed_in_days) AS
    nullif(concat_ws(' and ',
              CASE WHEN NOT entitled THEN 'has no access level in the organization any more' END,
              CASE WHEN coalesce(deleted_in_origin, FALSE) THEN 'was deleted from its directory' END,
              CASE WHEN entitled AND is_inactive(last_sign_in(last_accessed_date), date_created, inactive_days,
                                                 never_signed_in_days)
                   THEN CASE WHEN last_sign_in(last_accessed_date) IS NULL THEN 'never signed in'
                             ELSE 'last signed in ' || days_since(last_sign_in(last_accessed_date)) || ' days ago'
                        END END), '');
