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
WITH hits AS (
    SELECT *, location || ' (' || coalesce(value, '?') || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind = 'container'
      AND pinned = FALSE
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" uses container images without a digest: '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
