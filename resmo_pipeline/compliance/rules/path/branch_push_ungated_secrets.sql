/*
id: path.branch_push_ungated_secrets
title: "A branch non-administrators can push to triggers a pipeline that gets credentials without a check"
severity: critical
resource_type: build_definitions
description: >
  A person or group that is not an administrator can put commits on a branch of an Azure Repos repository
  (Contribute allowed on the branch, inherited or explicit, and no branch policy requires a pull request there or
  they may bypass it) → a pipeline builds that repository and runs on pushes to that branch (its CI trigger) → the
  pipeline may use a service connection, a secure file or a variable group holding secrets (open to all pipelines,
  or authorized for it) that has no Approval, Branch control or Required template check. Service connections
  scoped to a whole Azure subscription or management group are named as the last step. Permissions follow
  path_effective_allows (inheritance, inheritance cuts, deny wins); a YAML trigger is read only in its simple list
  form (see path_ci_branches). At most $max_named pushers are named.
rationale: >
  Whoever can push to the branch chooses the code the pipeline runs; with an ungated credential that code can
  deploy or steal the credential (poisoned pipeline execution, OWASP CICD-SEC-4; Praetorian Trajan chains the same
  steps). Microsoft's guidance is to protect the branch and to put checks on protected resources. Sources:
  learn.microsoft.com/azure/devops/pipelines/security/resources,
  learn.microsoft.com/azure/devops/pipelines/security/repos,
  learn.microsoft.com/azure/devops/repos/git/branch-policies.
remediation: >
  Break any step: add a branch policy (minimum reviewers or build validation) to the branch and remove "Bypass
  policies" from non-administrators (Project settings > Repositories > the repository > Policies / Security); and
  open the resource (Project settings > Service connections, Pipelines > Library) > Approvals and checks: add
  Branch control for protected branches (with "Verify branch protection") or an Approval, and turn off "Grant
  access permission to all pipelines".
anchors:
  owasp: [CICD-SEC-1, CICD-SEC-4, CICD-SEC-5]
params:
  max_named: 5
requires: [access_control_lists, security_namespaces, effective_group_memberships, groups, branches,
           repositories, policy_configurations, build_definitions, pipeline_yaml_files, pipeline_permissions,
           check_configurations, service_connections, variable_groups]
*/
WITH paths AS (
    SELECT ci.project_id, ci.definition_id, ci.definition_name, ci.ref_name, pu.repository_name,
           list_sort(list_distinct(list(pu.subject_name || ' can ' || pu.how || ' ' || path_short_ref(ci.ref_name)
                                        || ' of ' || pu.repository_name))) AS pushers
    FROM path_ci_branches() AS ci
    JOIN path_branch_pushers() AS pu ON pu.repository_id = ci.repository_id AND pu.ref_name = ci.ref_name
    WHERE path_is_human_subject(pu.subject)
    GROUP BY ALL
), per_pipeline AS (
    SELECT p.project_id, p.definition_id, any_value(p.definition_name) AS definition_name,
           path_capped_list(flatten(list(p.pushers)), $max_named, '; ') AS pushers,
           string_agg(DISTINCT path_short_ref(p.ref_name), ', ') AS refs
    FROM paths AS p
    GROUP BY ALL
)
SELECT
    d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
    path_message([
              p.pushers,
              'pipeline ' || d.name || ' runs on pushes to ' || p.refs,
              'it may use ' || r.labels || ', none with an approval, branch control or required template check',
              r.wide]) AS message
FROM per_pipeline AS p
JOIN path_secret_summary(FALSE) AS r ON r.project_id = p.project_id AND r.definition_id = p.definition_id
JOIN azure_devops.build_definitions AS d ON d.project_id = p.project_id AND d.id = p.definition_id
