-- Group membership changes in the audit log (last 30 days, or --param days=N): who added or removed whom.
-- param days = 30: how far back to look, in days
SELECT timestamp, organization, project_name, actor_display_name AS actor, action_id, details
FROM azure_devops.audit_log
WHERE action_id LIKE 'Group.%' AND timestamp >= now()::TIMESTAMP - to_days($days)
ORDER BY timestamp DESC
