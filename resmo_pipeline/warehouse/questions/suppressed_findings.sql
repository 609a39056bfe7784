-- Suppressed findings, who owns each suppression and when it expires.
-- Suppressions are promises to fix later; review the ones without an end date.
SELECT organization, rule_id, resource_type, resource_name, suppression_owner, suppression_reason,
       suppression_expires
FROM compliance.findings
WHERE status = 'suppressed'
ORDER BY suppression_expires NULLS FIRST, organization, rule_id
