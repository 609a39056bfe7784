-- Findings that appeared (or came back) in the last 7 days (or --param days=N).
-- param days = 7: how far back to look, in days
SELECT occurred_at, organization, severity, rule_id, resource_type, resource_name, kind, message
FROM compliance.finding_events
WHERE kind IN ('new_finding', 'regression') AND occurred_at >= now()::TIMESTAMP - to_days($days)
ORDER BY occurred_at DESC, severity
