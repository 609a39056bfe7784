/*
id: env.branch_control
title: Production environment accepts deployments from any branch
severity: medium
resource_type: environments
description: >
  An environment whose name looks like production (contains prod, production or prd as a word: parameter
  production_pattern) has no enabled Branch control check,
  or none whose allowed branches are all standard branches ($standard_branches; patterns such as
  refs/heads/* or refs/heads/feature/* are not). Source:
  learn.microsoft.com/azure/devops/pipelines/process/approvals (Branch control check); ADO Security Scanner
  CheckBranchHygieneOnEnv (standard branches master, main, develop); PSRule
  Azure.DevOps.Pipelines.Environments.ProductionBranchLimit.
rationale: >
  Without branch control anyone who can push a branch and run the pipeline can deploy unreviewed code to
  production; the standard branches are the ones protected by pull-request policies.
remediation: >
  Pipelines > Environments > the environment > Approvals and checks > Branch control: allow only
  refs/heads/main (or your release branches) and turn on "Verify branch protection".
anchors:
  adoscanner: [ADO_Environment_SI_Use_Good_Branch_Hygiene]
  psrule: [Azure.DevOps.Pipelines.Environments.ProductionBranchLimit]
  owasp: [CICD-SEC-1]
params:
  production_pattern: '(?i)(^|[^a-z])(prod|production|prd)([^a-z]|$)'
  standard_branches: [refs/heads/main, refs/heads/master, refs/heads/develop]
requires: [environments, check_configurations]
*/
WITH controls AS (
    SELECT project_id, resource_id_ref, branch_control_branches(settings) AS allowed_branches,
           list_filter(branch_control_branches(settings), lambda b: NOT list_contains($standard_branches, b))
               AS nonstandard
    FROM enabled_checks()
    WHERE resource_type = 'environment'
      AND is_branch_control(type_name, settings)
)
SELECT e.organization, e.resource_id, e.name AS resource_name, e.project_name, e.id,
       'Production environment "' || e.name || '" '
           || CASE WHEN count(c.resource_id_ref) = 0 THEN 'has no Branch control check'
                   ELSE 'allows deployments from non-standard branches: '
                        || array_to_string(list_distinct(flatten(list(c.nonstandard))), ', ') END AS message
FROM azure_devops.environments AS e
LEFT JOIN controls AS c ON c.project_id = e.project_id AND c.resource_id_ref = CAST(e.id AS VARCHAR)
WHERE regexp_matches(e.name, $production_pattern)
GROUP BY e.organization, e.resource_id, e.name, e.project_name, e.id
HAVING NOT coalesce(bool_or(len(c.nonstandard) = 0 AND len(c.allowed_branches) > 0), FALSE)
