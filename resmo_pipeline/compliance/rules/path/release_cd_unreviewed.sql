/*
id: path.release_cd_unreviewed
title: Unreviewed branch builds are released to production with no approval
severity: critical
resource_type: release_definitions
description: >
  Attack path, three steps: (1) a classic release pipeline has a continuous-deployment trigger on a build
  artifact (triggerType artifactSource) that accepts builds of a branch no enforced "Minimum number of
  reviewers" policy protects with at least one independent approval; a trigger without a branch condition
  accepts builds of any branch, which only a policy on every branch would protect; (2) anyone who may
  queue the build pipeline (Contributors by default) can push such a branch and build it; (3) the release then
  reaches a stage whose name looks like production through stages that all have automated pre-deployment
  approvals only, starting when the release is created. Only Azure Repos Git build pipelines are judged.
rationale: >
  A continuous-deployment trigger turns every matching build into a release; when the branch needs no review
  and no stage on the way asks a human, a single contributor's unreviewed code reaches production with the
  release's service connections. Source: learn.microsoft.com/azure/devops/pipelines/release/triggers
  (continuous deployment triggers, build branch filters); learn.microsoft.com/azure/devops/pipelines/release/
  approvals/approvals; learn.microsoft.com/azure/devops/repos/git/branch-policies.
remediation: >
  Edit the release pipeline > the artifact's Continuous deployment trigger: add a build branch filter for the
  protected branch only (e.g. main, with a reviewer policy); and in the production stage's Pre-deployment
  conditions add named pre-deployment approvers.
anchors:
  adoscanner:
    - ADO_Release_AuthZ_Enable_PreDeployment_Approvals
  owasp: [CICD-SEC-1, CICD-SEC-4]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
  policy_type_id: fa4e907d-c16b-4a4c-9dfa-4906e5d171dd
  min_independent_approvals: 1
requires: [release_definitions, build_definitions, repositories, policy_configurations]
*/
WITH RECURSIVE artifacts AS (
    SELECT d.project_id, d.id, a ->> 'alias' AS alias,
           coalesce(a -> '$.definitionReference.project' ->> 'id', d.project_id) AS build_project_id,
           TRY_CAST(a -> '$.definitionReference.definition' ->> 'id' AS BIGINT) AS build_definition_id
    FROM azure_devops.release_definitions AS d, unnest(CAST(d.artifacts AS JSON[])) AS x(a)
    WHERE a ->> 'type' = 'Build' AND NOT coalesce(d.deleted, FALSE)
), triggers AS (
    SELECT d.project_id, d.id, t ->> 'artifactAlias' AS alias,
           coalesce(CAST(t -> 'triggerConditions' AS JSON[]), CAST([] AS JSON[])) AS conditions
    FROM azure_devops.release_definitions AS d, unnest(CAST(d.triggers AS JSON[])) AS x(t)
    WHERE t ->> 'triggerType' = 'artifactSource'
), accepted AS (
    -- the branch each trigger condition accepts; NULL: any branch (no condition)
    SELECT project_id, id, alias, CAST(NULL AS VARCHAR) AS source_branch, FALSE AS definition_branch
    FROM triggers WHERE len(conditions) = 0
    UNION ALL
    SELECT t.project_id, t.id, t.alias, nullif(c ->> 'sourceBranch', ''), json_flag(c, 'useBuildDefinitionBranch')
    FROM triggers AS t, unnest(t.conditions) AS y(c)
), cd AS (
    SELECT a.project_id, a.id, b.name AS pipeline, r.id AS repository_id, r.name AS repository,
           r.default_branch, r.project_id AS repository_project_id, t.source_branch IS NULL
                                                                    AND NOT t.definition_branch AS any_branch,
           CASE WHEN t.definition_branch THEN r.default_branch
                WHEN t.source_branch IS NULL OR t.source_branch = '*' THEN 'refs/heads/'
                WHEN starts_with(t.source_branch, 'refs/') THEN rtrim(t.source_branch, '*')
                ELSE 'refs/heads/' || rtrim(t.source_branch, '*') END AS branch
    FROM artifacts AS a
    JOIN accepted AS t ON t.project_id = a.project_id AND t.id = a.id AND t.alias = a.alias
    JOIN azure_devops.build_definitions AS b
      ON b.project_id = a.build_project_id AND b.id = a.build_definition_id AND b.repository_type = 'TfsGit'
    JOIN azure_devops.repositories AS r ON r.id = b.repository_id
), unreviewed AS (
    SELECT cd.*
    FROM cd
    WHERE coalesce((SELECT max(independent_approvals(p.minimum_approver_count, p.creator_vote_counts))
                    FROM enforced_policy_scopes($policy_type_id) AS p
                    WHERE p.project_id = cd.repository_project_id
                      AND policy_scope_applies_to_default_branch(p.scope_repository_id, p.scope_ref_name,
                                                                 p.scope_match_kind, cd.repository_id, cd.branch)
                      AND (p.scope_match_kind IS DISTINCT FROM 'DefaultBranch' OR cd.branch = cd.default_branch)),
                   0) < $min_independent_approvals
), stages AS (
    SELECT d.project_id, d.id, stage ->> 'name' AS stage,
           coalesce(list_bool_and([json_flag(a, 'isAutomated')
                                   FOR a IN CAST(stage -> '$.preDeployApprovals.approvals' AS JSON[])]), TRUE)
               AS automated,
           [c ->> 'name' FOR c IN coalesce(CAST(stage -> 'conditions' AS JSON[]), [])
            IF c ->> 'conditionType' = 'environmentState'] AS after,
           list_contains([c ->> 'conditionType' FOR c IN coalesce(CAST(stage -> 'conditions' AS JSON[]), [])],
                         'event') AS on_release
    FROM release_stages() AS d
), reach AS (
    SELECT project_id, id, stage, [stage] AS chain
    FROM stages WHERE automated AND on_release
    UNION
    SELECT s.project_id, s.id, s.stage, list_append(r.chain, s.stage)
    FROM stages AS s
    JOIN reach AS r ON r.project_id = s.project_id AND r.id = s.id AND list_contains(s.after, r.stage)
    WHERE s.automated AND NOT list_contains(r.chain, s.stage)
), production AS (
    SELECT r.project_id, r.id, r.stage, min(array_to_string(r.chain, ' → ')) AS chain
    FROM reach AS r JOIN stages AS s ON s.project_id = r.project_id AND s.id = r.id AND s.stage = r.stage
    WHERE regexp_matches(r.stage, $production_pattern)
      -- every stage it waits for is reached automatically too
      AND NOT EXISTS (SELECT 1 FROM unnest(s.after) AS w(name)
                      WHERE NOT EXISTS (SELECT 1 FROM reach AS q
                                        WHERE q.project_id = r.project_id AND q.id = r.id AND q.stage = w.name))
    GROUP BY r.project_id, r.id, r.stage
), sources AS (
    SELECT project_id, id,
           string_agg(DISTINCT
               CASE WHEN any_branch
                    THEN 'any contributor can push a branch of ' || repository || ' that no review policy covers'
                         || ' and queue pipeline ' || pipeline || ' on it → its build triggers a release'
                         || ' (continuous deployment for builds of any branch)'
                    ELSE 'pushes to `' || regexp_replace(branch, '^refs/heads/', '') || '` of ' || repository
                         || ' need no independent review and pipeline ' || pipeline || ' builds them → each build'
                         || ' triggers a release (continuous deployment)' END, '; ') AS how
    FROM unreviewed
    GROUP BY project_id, id
)
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.id,
    'Release definition "' || d.name || '": ' || s.how || ' → '
        || string_agg('stage "' || p.stage || '" deploys it with no pre-deployment approval on the way ('
                      || p.chain || ')', '; ' ORDER BY p.stage) AS message
FROM azure_devops.release_definitions AS d
JOIN sources AS s ON s.project_id = d.project_id AND s.id = d.id
JOIN production AS p ON p.project_id = d.project_id AND p.id = d.id
GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.id, s.how
