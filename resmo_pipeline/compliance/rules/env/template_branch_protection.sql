/*
id: env.template_branch_protection
title: Environment requires a template from an unprotected branch
severity: medium
resource_type: environments
description: >
  An environment's Required template check (ExtendsCheck) names a template on a branch (refs/heads/...) of an
  Azure Repos repository that no enabled, blocking "Minimum number of reviewers" or "Build validation" branch
  policy covers (policy scope of that repository or of all repositories of its project). Tags and commits are
  not branches and are not judged; templates in other source types (GitHub) are not either. Source:
  learn.microsoft.com/azure/devops/pipelines/process/approvals (Required template check);
  learn.microsoft.com/azure/devops/repos/git/branch-policies; ADO Security Scanner
  CheckTemplateBranchForEnvironment.
rationale: >
  The Required template is what forces deployments through reviewed steps; if anyone with Contribute on the
  template repository can push to that branch directly, they can change what every deployment runs.
remediation: >
  Protect the branch: Repos > Branches > the branch > Branch policies: require a minimum number of reviewers
  (and build validation); or point the check at a protected branch.
anchors:
  adoscanner: [ADO_Environment_DP_Use_Template_From_Protected_Branch]
  owasp: [CICD-SEC-1, CICD-SEC-4]
params:
  reviewers_policy_type_id: fa4e907d-c16b-4a4c-9dfa-4906e5d171dd
  build_policy_type_id: 0609b952-1397-4640-95ec-e00a01b2c241
requires: [environments, check_configurations, repositories, policy_configurations]
*/
WITH required AS (
    SELECT c.project_id, c.resource_id_ref, t.req ->> 'repositoryName' AS repository_name,
           t.req ->> 'repositoryRef' AS ref, t.req ->> 'templatePath' AS template_path
    FROM enabled_checks() AS c, unnest(CAST(c.settings -> '$.extendsChecks' AS JSON[])) AS t(req)
    WHERE c.resource_type = 'environment'
      AND c.type_name = 'ExtendsCheck'
      AND lower(coalesce(t.req ->> 'repositoryType', 'git')) = 'git'
      AND starts_with(t.req ->> 'repositoryRef', 'refs/heads/')
), resolved AS (
    SELECT q.*, r.id AS repository_id, r.project_id AS repository_project_id, r.default_branch,
           r.project_name || '/' || r.name AS repository_label
    FROM required AS q
    JOIN azure_devops.repositories AS r
        ON r.name = regexp_replace(q.repository_name, '^.*/', '')
       AND CASE WHEN contains(q.repository_name, '/') THEN r.project_name = split_part(q.repository_name, '/', 1)
                ELSE r.project_id = q.project_id END
), policies AS (
    SELECT * FROM enforced_policy_scopes($reviewers_policy_type_id)
    UNION ALL
    SELECT * FROM enforced_policy_scopes($build_policy_type_id)
), unprotected AS (
    SELECT q.*
    FROM resolved AS q
    WHERE NOT EXISTS (
        SELECT 1 FROM policies AS p
        WHERE p.project_id = q.repository_project_id
          AND policy_scope_applies_to_default_branch(p.scope_repository_id, p.scope_ref_name, p.scope_match_kind,
                                                     q.repository_id, q.ref)
          AND (p.scope_match_kind IS DISTINCT FROM 'DefaultBranch' OR q.ref = q.default_branch)
    )
)
SELECT e.organization, e.resource_id, e.name AS resource_name, e.project_name, e.id,
       'Environment "' || e.name || '" requires templates from unprotected branches: '
           || string_agg(u.template_path || '@' || u.repository_label || ' ' || u.ref, ', ' ORDER BY u.template_path)
           AS message
FROM azure_devops.environments AS e
JOIN unprotected AS u ON u.project_id = e.project_id AND u.resource_id_ref = CAST(e.id AS VARCHAR)
GROUP BY e.organization, e.resource_id, e.name, e.project_name, e.id
