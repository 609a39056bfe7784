-- Shared SQL for rules: identities (users, groups, approvers).

-- identity_short_name(name): an identity's display name without its "[scope]\" prefix, so
-- "[Fabrikam]\Contributors" and "[fabrikam-org]\Project Collection Valid Users" compare to plain group names.
-- Source: Azure DevOps shows project and collection groups as [Project]\Group (security group naming).
CREATE OR REPLACE TEMP MACRO identity_short_name(name) AS regexp_replace(coalesce(name, ''), '^\[[^\]]*\]\\', '');

-- approver_names(approvers): the short names of the approvers of an Approval check (a JSON array of
-- identities with displayName / uniqueName, as in azure_devops.check_configurations.approvers).
CREATE OR REPLACE TEMP MACRO approver_names(approvers) AS
    [identity_short_name(coalesce(a ->> 'displayName', a ->> 'uniqueName', ''))
     FOR a IN coalesce(CAST(approvers AS JSON[]), [])];

-- broad_approvers(approvers, broad_groups): the approvers that are one of the broad groups (a list of names
-- such as Contributors or Project Valid Users): approving there is open to (nearly) everyone.
CREATE OR REPLACE TEMP MACRO broad_approvers(approvers, broad_groups) AS
    list_filter(approver_names(approvers), lambda n: list_contains(broad_groups, n));

-- group_label(project_id, display_name, principal_name): how a group is named in messages: its display name
-- for an organization-level group, "[Project]\Name" (the principal name) for a project-level one.
CREATE OR REPLACE TEMP MACRO group_label(project_id, display_name, principal_name) AS
    CASE WHEN project_id IS NULL THEN display_name ELSE principal_name END;

-- privileged_groups(): the groups whose members administer the organization, its builds or a project —
-- Project Collection Administrators, Project Collection Build Administrators, Project Collection Service
-- Accounts, Project Collection Build Service Accounts and every project's Project Administrators
-- (azure_devops.groups.is_admin_group; see resmo_pipeline/catalog/identity.py ADMIN_GROUPS).
-- Source: learn.microsoft.com/azure/devops/organizations/security/permissions#groups
-- Columns: every azure_devops.groups column plus group_name (group_label of the group).
CREATE OR REPLACE TEMP MACRO privileged_groups() AS TABLE
    SELECT *, group_label(project_id, display_name, principal_name) AS group_name
    FROM azure_devops.groups
    WHERE coalesce(is_admin_group, FALSE);

-- last_sign_in(last_accessed_date): a user's last access, NULL when the user never signed in (Azure DevOps
-- reports "never" as 0001-01-01). Source: User Entitlements API, UserEntitlement.lastAccessedDate.
CREATE OR REPLACE TEMP MACRO last_sign_in(last_accessed_date) AS
    CASE WHEN last_accessed_date < TIMESTAMP '1900-01-02' THEN NULL ELSE last_accessed_date END;

-- is_inactive(last_seen, created, inactive_days, never_used_days): an identity (user, service connection)
-- is inactive: last seen more than inactive_days days ago, or never seen (last_seen NULL) although it was
-- created more than never_used_days days ago. A NULL created date with a NULL last_seen is not inactive.
CREATE OR REPLACE TEMP MACRO is_inactive(last_seen, created, inactive_days, never_used_days) AS
    CASE WHEN last_seen IS NULL THEN older_than_days(created, never_used_days)
         ELSE older_than_days(last_seen, inactive_days) END;

-- inactive_users(inactive_days, never_signed_in_days): the azure_devops.user_entitlements rows of users
-- who are inactive by is_inactive, with last_access (last_sign_in) and now_utc (utc_now) added.
CREATE OR REPLACE TEMP MACRO inactive_users(inactive_days, never_signed_in_days) AS TABLE
    SELECT *, last_sign_in(last_accessed_date) AS last_access, utc_now() AS now_utc
    FROM azure_devops.user_entitlements
    WHERE is_inactive(last_sign_in(last_accessed_date), date_created, inactive_days, never_signed_in_days);
