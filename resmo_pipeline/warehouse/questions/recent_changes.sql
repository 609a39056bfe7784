-- What changed in the last 24 hours (or --param hours=N), newest first.
-- Every created, modified or removed resource the syncs saw, with the audit log's actor when it names one.
-- param hours = 24: how far back to look, in hours
-- param resource_type = : only this resource type (empty: every type)
SELECT detected_at, organization, resource_type, resource_name, change_type,
       list_transform(CAST(changed_fields AS JSON[]), lambda f: f ->> 'field') AS fields, actor
FROM history.changes
WHERE detected_at >= now()::TIMESTAMP - to_hours($hours)
  AND ($resource_type = '' OR resource_type = $resource_type)
ORDER BY event_seq DESC
