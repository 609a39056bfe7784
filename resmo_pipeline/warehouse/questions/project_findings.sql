-- The open findings of one project (--param project=NAME), worst first.
-- param project = Contoso Web: the project's name
SELECT f.severity, f.rule_id, r.title, f.resource_type, f.resource_name, f.message, f.first_seen
FROM compliance.findings AS f
LEFT JOIN compliance.rules AS r USING (rule_id)
WHERE f.status = 'open' AND f.project_name = $project
ORDER BY CASE f.severity WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END, f.rule_id,
         f.resource_name
