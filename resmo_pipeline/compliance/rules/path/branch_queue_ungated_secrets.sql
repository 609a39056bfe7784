/*
id: path.branch_queue_ungated_secrets
title: "People who can create a branch and queue a YAML pipeline run their own YAML with its credentials"
severity: high
resource_type: build_definitions
description: >
  A person or group that is not an administrator (not one of privileged_groups(), not in $excluded_groups) can
  push a new branch to the repository of a YAML pipeline (Create branch and Contribute allowed on a new branch,
  with no branch policy covering every new branch name, as in path_branch_creators) → they can queue the pipeline
  ("Queue builds", path_pipeline_queuers) on that branch, which runs the YAML file as it is on that branch → the
  pipeline may use a service connection, a secure file or a variable group holding secrets (open to all pipelines,
  or authorized for it) with no Approval, Branch control or Required template check. Service connections scoped
  to a whole Azure subscription or management group are named as the last step. At most $max_named identities
  are named.
rationale: >
  Branch protection on the default branch does not help here: a run queued on a new branch uses that branch's
  YAML, so its author decides every step that gets the credential (poisoned pipeline execution without any
  review). Pipeline permissions authorize pipelines, not branches; only Branch control (or a Required template,
  or an approval) on the resource ties it to reviewed code. Sources:
  learn.microsoft.com/azure/devops/pipelines/security/resources (protected resources, checks),
  learn.microsoft.com/azure/devops/pipelines/process/approvals#branch-control,
  learn.microsoft.com/azure/devops/pipelines/security/repos.
remediation: >
  On each credential (Project settings > Service connections / Pipelines > Library > the resource > Approvals and
  checks) add Branch control allowing only protected branches (with "Verify branch protection") or a Required
  template check; stop granting it to all pipelines; limit who may queue the pipeline (Manage security > Queue
  builds).
anchors:
  owasp: [CICD-SEC-4, CICD-SEC-1]
params:
  max_named: 5
  excluded_groups: [Build Administrators]
requires: [access_control_lists, security_namespaces, effective_group_memberships, groups, repositories,
           policy_configurations, build_definitions, pipeline_permissions, check_configurations, service_connections,
           variable_groups]
*/
WITH entry AS (
    SELECT q.project_id, q.definition_id,
           path_capped_list(list(q.subject_name), $max_named, ', ') AS names, any_value(c.repository_name) AS repository
    FROM path_pipeline_queuers() AS q
    JOIN azure_devops.build_definitions AS d ON d.project_id = q.project_id AND d.id = q.definition_id
    JOIN path_branch_creators() AS c ON c.repository_id = d.repository_id AND c.subject = q.subject
    WHERE coalesce(d.process_type, 2) = 2 AND coalesce(d.repository_type, 'TfsGit') = 'TfsGit'
      AND NOT list_contains($excluded_groups, identity_short_name(q.subject_name))
    GROUP BY ALL
)
SELECT
    d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
    path_message([
              e.names || ' can push a new branch to ' || e.repository || ' and queue pipeline ' || d.name || ' on it',
              'the run uses the YAML of that branch',
              'it may use ' || s.labels || ', none with an approval, branch control or required template check',
              s.wide]) AS message
FROM entry AS e
JOIN azure_devops.build_definitions AS d ON d.project_id = e.project_id AND d.id = e.definition_id
JOIN path_secret_summary(FALSE) AS s ON s.project_id = e.project_id AND s.definition_id = e.definition_id
