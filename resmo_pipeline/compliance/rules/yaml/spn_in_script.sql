/*
id: yaml.spn_in_script
title: Azure CLI scripts get the service connection's credentials
severity: medium
resource_type: build_definitions
description: >
  An Azure CLI task (AzureCLI@1, AzureCLI@2) of a YAML pipeline sets `addSpnToEnvironment: true`, so its
  script receives the service connection's service principal id, tenant and secret (servicePrincipalKey) or,
  for workload identity federation, its federated token (idToken) as environment variables.
rationale: >
  The script then holds a credential for the Azure subscription instead of an already signed-in `az`
  session: anything the script runs (a tool from the repository, a package's install hook) can copy it and use
  it outside the pipeline, with the service connection's role and, for a secret, until the secret expires;
  approvals and checks on the service connection no longer limit where it is used. The message says when the
  pipeline also runs for pull requests. Source: the AzureCLI@2 task reference
  (learn.microsoft.com/azure/devops/pipelines/tasks/reference/azure-cli-v2, addSpnToEnvironment).
remediation: >
  Remove addSpnToEnvironment and use the signed-in `az` session inside the task; where a tool needs its own
  sign-in (Terraform), use workload identity federation with the tool's OIDC support and keep the step out
  of pull-request runs.
anchors:
  owasp: [CICD-SEC-6, CICD-SEC-2]
requires: [pipeline_yaml_elements, policy_configurations, build_definitions]
*/
WITH spn AS (
    SELECT e.*
    FROM azure_devops.pipeline_yaml_elements AS e, json_each(e.parameters) AS i
    WHERE e.kind IN ('script', 'task')
      AND regexp_matches(coalesce(e.task, ''), '(?i)^AzureCLI@')
      AND lower(i.key) = 'addspntoenvironment'
      AND lower(trim(i.value ->> '$')) IN ('true', 'yes', 'on', 'y')
), hits AS (
    SELECT s.*, s.location || ' (' || s.task || coalesce(' with "' || (s.service_connections ->> '$[0]') || '"', '')
               || coalesce(', runs for pull requests: ' || p.how, '') || ')' AS detail
    FROM spn AS s
    LEFT JOIN yaml_pr_pipelines() AS p ON p.project_id = s.project_id AND p.definition_id = s.definition_id
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" exposes service connection credentials to scripts at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
