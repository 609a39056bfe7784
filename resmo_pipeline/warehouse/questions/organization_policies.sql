-- The organization security policies and their effective values (anonymous access, guests, OAuth, SSH, ...).
SELECT organization, name, effective_value, effective_enabled, description
FROM azure_devops.organization_policies
ORDER BY organization, name
