-- Repositories whose default branch has no enabled, blocking branch policy.
-- Anyone with Contribute can push straight to the branch pipelines build and deploy from.
SELECT r.organization, r.project_name, r.name AS repository, r.default_branch
FROM azure_devops.repositories AS r
WHERE NOT r.is_disabled
  AND NOT EXISTS (
    SELECT 1
    FROM azure_devops.policy_configurations AS p, unnest(CAST(p.scope AS JSON[])) AS s(scope)
    WHERE p.organization = r.organization AND p.project_id = r.project_id AND p.is_enabled AND p.is_blocking AND NOT p.deleted
      AND coalesce(s.scope ->> 'repositoryId', r.id) = r.id
      AND coalesce(s.scope ->> 'refName', r.default_branch) = r.default_branch
  )
ORDER BY r.organization, r.project_name, r.name
