/*
id: build.fork_secrets_or_full_token
title: Pull requests from forks get secrets or a full-access token
severity: high
resource_type: build_definitions
description: >
  A build definition's pull-request trigger builds forks and makes secrets available to them
  ("Make secrets available to builds of forks") or gives them the same job token as regular builds
  ("Make fork builds have the same permissions as regular builds").
rationale: >
  Anyone who can open a pull request from a fork controls the code the build runs; with secrets or a
  full-access token that code can steal credentials or push changes (poisoned pipeline execution).
remediation: >
  Edit the pipeline > Triggers > Pull request validation > Forks: clear "Make secrets available to builds of
  forks" and "Make fork builds have the same permissions as regular builds", or stop building forks.
anchors:
  adoscanner:
    - ADO_Build_DP_Dont_Make_Secrets_Available_To_Forked_Builds
    - ADO_Build_DP_Dont_Allow_Forked_Builds_Run_As_Regular_Builds
  defender: ["DfC DevOps #6: Secrets should not be made available to builds of forks"]
  owasp: [CICD-SEC-4]
requires: [build_definitions]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '" builds pull requests from forks with '
        || concat_ws(' and ',
                     CASE WHEN fork_allow_secrets THEN 'secrets available' END,
                     CASE WHEN fork_allow_full_access_token THEN 'a full-access job token' END)
        AS message
FROM azure_devops.build_definitions
WHERE fork_builds_enabled
  AND (fork_allow_secrets OR fork_allow_full_access_token)
