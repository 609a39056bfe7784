/*
id: release.branch_hygiene
title: Production release stage accepts artifacts from any branch
severity: medium
resource_type: release_definitions
description: >
  A release definition has a stage whose name looks like production (prod, production or prd; parameter
  production_pattern) and an artifact built from branches (type $branch_artifact_types) for which that stage
  has no artifact filter limiting it to one branch (a stage condition of conditionType artifact naming the artifact's alias, with a sourceBranch
  without wildcards). Without it, a release of any branch can be deployed to that stage. Sources: ADO
  Security Scanner ADO_Release_SI_Use_Good_Branch_Hygiene (one main branch for production);
  learn.microsoft.com/azure/devops/pipelines/release/triggers#stage-triggers (artifact filters).
rationale: >
  Production should only run code that went through the main branch's reviews and policies; a release from a
  feature or personal branch skips them.
remediation: >
  Edit the release pipeline > the stage > Pre-deployment conditions > Artifact filters: add a filter on the
  artifact that includes only the main (release) branch.
anchors:
  adoscanner: [ADO_Release_SI_Use_Good_Branch_Hygiene]
  owasp: [CICD-SEC-1]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
  branch_artifact_types: [Build, Git, GitHub]
requires: [release_definitions]
*/
WITH stage_artifacts AS (
    SELECT s.organization, s.resource_id, s.name, s.project_name, s.id, s.stage ->> 'name' AS stage,
           s.stage -> 'conditions' AS conditions, a.artifact ->> 'alias' AS alias
    FROM release_stages() AS s, unnest(CAST(coalesce(s.artifacts, '[]') AS JSON[])) AS a(artifact)
    WHERE NOT coalesce(s.deleted, FALSE)
      AND regexp_matches(s.stage ->> 'name', $production_pattern)
      AND list_contains($branch_artifact_types, a.artifact ->> 'type')
),
unfiltered AS (
    SELECT sa.*
    FROM stage_artifacts AS sa
    WHERE NOT EXISTS (
        SELECT 1
        FROM unnest(CAST(coalesce(sa.conditions, '[]') AS JSON[])) AS c(condition)
        WHERE c.condition ->> 'conditionType' IN ('artifact', '4')
          AND (c.condition ->> 'name') = sa.alias
          AND nullif(json_extract_string(c.condition ->> 'value', '$.sourceBranch'), '') IS NOT NULL
          AND NOT contains(json_extract_string(c.condition ->> 'value', '$.sourceBranch'), '*'))
)
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Release definition "' || name || '": '
        || string_agg('stage "' || stage || '" deploys artifact ' || alias || ' from any branch', '; '
                      ORDER BY stage, alias) AS message
FROM unfiltered
GROUP BY organization, resource_id, name, project_name, id
