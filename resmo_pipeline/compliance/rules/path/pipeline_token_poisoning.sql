/*
id: path.pipeline_token_poisoning
title: "One pipeline's job token can push code that another pipeline runs with credentials"
severity: high
resource_type: build_definitions
description: >
  The job access token of a pipeline (its build service identity: "<Project> Build Service (<organization>)" for
  project-scoped jobs, "Project Collection Build Service (<organization>)" when the definition's job authorization
  scope is projectCollection and neither the project nor the organization enforces project scope) can put commits
  on a branch of a repository, its own or another (Contribute allowed, no branch policy or a bypass, as in
  path_branch_pushers; when the project or the organization limits job tokens to referenced repositories
  (enforceReferencedRepoScopedToken), only the pipeline's own repository and those its YAML references count) → a
  second pipeline (not the first) builds that repository and runs on pushes to that branch → the second pipeline
  may use credentials with no Approval, Branch control or Required template check. The finding is on the second
  pipeline; the message names the pipelines whose token reaches it (up to $max_named).
rationale: >
  Anyone who can run code in the first pipeline (a pull request, an edit, a compromised dependency) can use its
  token to push to the branch and so run code with the second pipeline's credentials (poisoned pipeline execution
  from one pipeline into another). Sources: learn.microsoft.com/azure/devops/pipelines/process/access-tokens (job
  authorization scope, build service identities), learn.microsoft.com/azure/devops/pipelines/security/repos,
  learn.microsoft.com/azure/devops/pipelines/security/resources.
remediation: >
  Remove Contribute for the build service identities on repositories they only read (Project settings >
  Repositories > Security), turn on "Limit job authorization scope to current project" and "Protect access to
  repositories in YAML pipelines", protect the branch with a policy, and add checks to the credentials.
anchors:
  adoscanner: [ADO_Repository_AuthZ_Dont_Grant_BuildSvc_Permission_On_Branch]
  owasp: [CICD-SEC-4, CICD-SEC-2]
params:
  max_named: 5
requires: [access_control_lists, security_namespaces, effective_group_memberships, groups, branches,
           repositories, policy_configurations, build_definitions, pipeline_settings,
           organization_pipeline_settings, pipeline_yaml_files,
           pipeline_yaml_elements, pipeline_permissions, check_configurations, service_connections,
           variable_groups]
*/
WITH job_identities AS (
    SELECT d.project_id, d.id, d.name, d.repository_id, d.process_type,
           coalesce(s.enforce_referenced_repo_scoped_token, FALSE)
               OR path_org_setting('enforceReferencedRepoScopedToken') AS repo_scoped,
           CASE WHEN d.job_authorization_scope = 'projectCollection' AND NOT coalesce(s.enforce_job_auth_scope, FALSE)
                     AND NOT path_org_setting('enforceJobAuthScope')
                THEN 'Project Collection Build Service (' || d.organization || ')'
                ELSE d.project_name || ' Build Service (' || d.organization || ')' END AS identity_name
    FROM azure_devops.build_definitions AS d
    LEFT JOIN azure_devops.pipeline_settings AS s ON s.project_id = d.project_id
    WHERE coalesce(d.queue_status, 'enabled') = 'enabled'
), reach AS (
    SELECT j.name AS source_name, j.identity_name, ci.project_id, ci.definition_id, ci.ref_name,
           pu.repository_name, pu.how
    FROM job_identities AS j
    JOIN path_branch_pushers() AS pu ON starts_with(pu.subject, 'svc.') AND pu.subject_name = j.identity_name
    JOIN path_ci_branches() AS ci ON ci.repository_id = pu.repository_id AND ci.ref_name = pu.ref_name
    WHERE NOT (ci.project_id = j.project_id AND ci.definition_id = j.id)
      AND (NOT j.repo_scoped OR j.process_type = 1 OR pu.repository_id = j.repository_id
           OR EXISTS (SELECT 1 FROM azure_devops.pipeline_yaml_elements AS e
                      WHERE e.project_id = j.project_id AND e.definition_id = j.id AND e.kind = 'repository'
                        AND (e.value = pu.repository_name OR ends_with(e.value, '/' || pu.repository_name))))
), per_target AS (
    SELECT project_id, definition_id,
           list(source_name) AS sources,
           string_agg(DISTINCT identity_name, ', ') AS identities,
           string_agg(DISTINCT how || ' ' || path_short_ref(ref_name) || ' of ' || repository_name, ', ') AS targets,
           string_agg(DISTINCT path_short_ref(ref_name), ', ') AS refs
    FROM reach
    GROUP BY ALL
)
SELECT
    d.organization, d.resource_id, d.name AS resource_name, d.project_name, d.id,
    path_message([
              'The job token of pipelines ' || path_capped_list(t.sources, $max_named, ', ')
                  || ' (' || t.identities || ') can ' || t.targets,
              'pipeline ' || d.name || ' runs on pushes to ' || t.refs,
              'it may use ' || s.labels || ', none with an approval, branch control or required template check',
              s.wide]) AS message
FROM per_target AS t
JOIN azure_devops.build_definitions AS d ON d.project_id = t.project_id AND d.id = t.definition_id
JOIN path_secret_summary(FALSE) AS s ON s.project_id = t.project_id AND s.definition_id = t.definition_id
