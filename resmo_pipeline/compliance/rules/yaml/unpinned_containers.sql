/*
id: yaml.unpinned_containers
title: Container images are not pinned to a digest
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline runs a job, a service container or a resources.containers entry from an image referenced
  by tag (or by no tag, i.e. latest) instead of by `@sha256:` digest.
rationale: >
  A tag can be moved to a different image at any time by whoever can push to the registry, so the code the
  job runs in changes without a change to the pipeline (Checkov CKV_AZUREPIPELINES_2, "container job uses a
  version digest").
remediation: >
  Reference the image as `name@sha256:<digest>` (a tag may stay in a comment), and update the digest
  deliberately, for example with a dependency bot.
anchors:
  owasp: [CICD-SEC-3]
requires: [pipeline_yaml_elements]
*/
WITH per_pipeline AS (
    SELECT organization, project_id, project_name, definition_id, definition_name, repository_name, file_path,
           min(line) AS line,
           list(location || ' (' || coalesce(value, '?') || ')' ORDER BY line) AS locations
    FROM azure_devops.pipeline_yaml_elements
    WHERE organization = $organization
      AND kind = 'container'
      AND pinned = FALSE
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
    'Pipeline "' || definition_name || '" uses container images without a digest: '
        || array_to_string(locations, ', ') AS message
FROM per_pipeline
