-- Open findings per project and severity: where to start.
SELECT organization, coalesce(project_name, '(organization)') AS project,
       count(*) FILTER (WHERE severity = 'critical') AS critical,
       count(*) FILTER (WHERE severity = 'high') AS high,
       count(*) FILTER (WHERE severity = 'medium') AS medium,
       count(*) FILTER (WHERE severity = 'low') AS low,
       count(*) AS total
FROM compliance.findings
WHERE status = 'open'
GROUP BY ALL
ORDER BY critical DESC, high DESC, total DESC
