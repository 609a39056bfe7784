-- Self-hosted agent pools, their agents and the projects queueing to them.
-- Self-hosted agents keep state between jobs; every pipeline that may use the pool can reach what they reach.
SELECT p.organization, p.name AS pool, count(DISTINCT a.id) AS agents,
       string_agg(DISTINCT q.project_name, ', ' ORDER BY q.project_name) AS projects
FROM azure_devops.agent_pools AS p
LEFT JOIN azure_devops.agents AS a ON a.organization = p.organization AND a.pool_id = p.id
LEFT JOIN azure_devops.agent_queues AS q ON q.organization = p.organization AND q.pool_id = p.id
WHERE NOT p.is_hosted
GROUP BY ALL
ORDER BY p.organization, pool
