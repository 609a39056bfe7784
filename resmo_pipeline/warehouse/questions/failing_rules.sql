-- Rules with open findings, by severity and count: the compliance picture in one table.
SELECT f.severity, f.rule_id, r.title, count(*) AS open_findings, count(DISTINCT f.organization) AS organizations
FROM compliance.findings AS f
LEFT JOIN compliance.rules AS r USING (rule_id)
WHERE f.status = 'open'
GROUP BY f.severity, f.rule_id, r.title
ORDER BY CASE f.severity WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END,
         open_findings DESC, f.rule_id
