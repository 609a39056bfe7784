-- Public projects and what they hold: anyone on the internet can read their code and pipelines.
SELECT p.organization, p.name AS project, p.visibility,
       (SELECT count(*) FROM azure_devops.repositories AS r
        WHERE r.organization = p.organization AND r.project_id = p.id) AS repositories,
       (SELECT count(*) FROM azure_devops.build_definitions AS d
        WHERE d.organization = p.organization AND d.project_id = p.id) AS pipelines
FROM azure_devops.projects AS p
WHERE lower(p.visibility) = 'public'
ORDER BY p.organization, project
