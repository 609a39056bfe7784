/*
id: yaml.persist_credentials
title: Checkout keeps the job token in the repository's git config
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline checks out a repository with `persistCredentials: true`, so the job's access token is
  written to .git/config and readable by every later step of the job.
rationale: >
  Any later step (a build script from the repository, a package install hook, a third-party task) can read
  the token and push commits, tags or packages as the build service; the checkout itself only needs it while
  fetching (poutine and OpenSSF guidance flag persisted checkout credentials the same way).
remediation: >
  Remove `persistCredentials: true`. A step that must push gets the token explicitly and only for itself,
  through `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`, in a job that runs no untrusted code.
anchors:
  owasp: [CICD-SEC-6, CICD-SEC-2]
requires: [pipeline_yaml_elements]
*/
WITH hits AS (
    SELECT *, location || ' (checkout: ' || coalesce(value, '?') || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'checkout'
      AND persist_credentials
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" persists the job token after checkout at '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
