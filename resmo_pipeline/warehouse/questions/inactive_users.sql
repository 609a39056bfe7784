-- Users with a license who have not signed in for 90 days (or --param days=N).
-- Dormant accounts keep their permissions; remove them or take the license back.
-- param days = 90: days without sign-in
SELECT organization, display_name, principal_name, user_type, license_display_name AS license,
       last_accessed_date
FROM azure_devops.user_entitlements
WHERE last_accessed_date IS NULL OR last_accessed_date < now()::TIMESTAMP - to_days($days)
ORDER BY last_accessed_date NULLS FIRST, organization, principal_name
