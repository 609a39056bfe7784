-- Guest users with access, their license and when they last signed in.
-- Guests come from other tenants; access reviews start here.
SELECT organization, display_name, principal_name, license_display_name AS license, last_accessed_date,
       date_diff('day', last_accessed_date, now()::TIMESTAMP) AS days_since_access
FROM azure_devops.user_entitlements
WHERE lower(user_type) = 'guest' OR principal_name LIKE '%#EXT#%'
ORDER BY organization, last_accessed_date NULLS FIRST
