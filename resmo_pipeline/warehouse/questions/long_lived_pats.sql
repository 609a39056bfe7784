-- Personal access tokens that live longer than a year (or --param days=N).
-- Long-lived tokens outlast the reason they were made; rotate them or use workload identities.
-- param days = 365: the longest lifetime that is acceptable, in days
SELECT organization, display_name AS token, user_principal_name AS owner, scope, starts_at, expires_at,
       date_diff('day', starts_at, expires_at) AS lifetime_days
FROM azure_devops.personal_access_tokens
WHERE is_valid AND date_diff('day', starts_at, expires_at) > $days
ORDER BY lifetime_days DESC, organization, owner
