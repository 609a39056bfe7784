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
WITH per_pipeline AS (
    SELECT organization, project_id, project_name, definition_id, definition_name, repository_name, file_path,
           min(line) AS line,
           list(location || ' (checkout: ' || coalesce(value, '?') || ')' ORDER BY line) AS locations
    FROM azure_devops.pipeline_yaml_elements
    WHERE organization = $organization
      AND kind = 'checkout'
      AND persist_credentials
    GROUP BY ALL
)
SELECT
    organization,
    project_id || '/' || CAST(definition_id AS VARCHAR) AS resource_id,
    definition_name AS resource_name,
    project_name,
    'build_definitions' AS resource_type,
    definition_id AS id,
    file_path,
    line,
    'https://dev.azure.com/' || url_encode(organization) || '/' || url_encode(project_name) || '/_git/'
        || url_encode(repository_name) || '?path=' || url_encode(file_path) || '&line=' || line
        || '&lineEnd=' || line || '&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents' AS url,
    'Pipeline "' || definition_name || '" persists the job token after checkout at '
        || array_to_string(locations, ', ') AS message
FROM per_pipeline
