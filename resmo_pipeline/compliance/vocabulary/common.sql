-- Shared SQL for rules: time and settings. Every macro here is a TEMP macro: it lives only in the connection
-- a rule runs on and is never written into the warehouse file.

-- utc_now(): the current time in UTC as a naive TIMESTAMP, the way the warehouse stores every timestamp.
-- Source: DuckDB `current_timestamp` is a TIMESTAMPTZ in the session time zone; AT TIME ZONE 'UTC' drops it.
CREATE OR REPLACE TEMP MACRO utc_now() AS CAST(current_timestamp AT TIME ZONE 'UTC' AS TIMESTAMP);

-- days_since(ts): whole days between ts and now (UTC); NULL when ts is NULL.
CREATE OR REPLACE TEMP MACRO days_since(ts) AS date_diff('day', ts, utc_now());

-- older_than_days(ts, days): ts lies more than `days` days in the past (FALSE for a NULL ts).
CREATE OR REPLACE TEMP MACRO older_than_days(ts, days) AS coalesce(ts < utc_now() - to_days(days), FALSE);

-- json_flag(obj, key): the JSON boolean obj.key, FALSE when missing or not a boolean (e.g. a variable's
-- "isSecret" or "allowOverride"). Source: Azure DevOps REST BuildDefinitionVariable / VariableValue.
CREATE OR REPLACE TEMP MACRO json_flag(obj, key) AS coalesce(TRY_CAST(obj ->> key AS BOOLEAN), FALSE);

-- policy_is_on(effective_value, value): an organization policy (azure_devops.organization_policies) is on.
-- The effective value wins over the configured one; a missing or non-boolean value counts as off.
-- Source: Organization settings > Policies (learn.microsoft.com/azure/devops/organizations/accounts/change-application-access-policies).
CREATE OR REPLACE TEMP MACRO policy_is_on(effective_value, value) AS
    coalesce(TRY_CAST(coalesce(effective_value, value) AS BOOLEAN), FALSE);
