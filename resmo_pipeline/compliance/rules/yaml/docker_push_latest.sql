/*
id: yaml.docker_push_latest
title: Images are pushed with the mutable latest tag
severity: low
resource_type: build_definitions
description: >
  A Docker@2 task of a YAML pipeline pushes an image (command push or buildAndPush, the default) with
  `latest` among its tags.
rationale: >
  latest is moved by every push, from whichever branch or run pushes last, so whatever deploys or builds FROM
  that tag (including this organization's own pipelines, see yaml.unpinned_containers) gets an image nobody
  chose and cannot tell which commit it came from; it is the easiest tag to overwrite with a malicious image.
  Source: learn.microsoft.com/azure/devops/pipelines/tasks/reference/docker-v2 (tags default to
  $(Build.BuildId)) and OWASP CICD-SEC-9 (improper artifact integrity validation).
remediation: >
  Tag images with an immutable value ($(Build.BuildId), the commit id, a release version), deploy by digest,
  and enable tag immutability on the registry if it supports it.
anchors:
  owasp: [CICD-SEC-9]
requires: [pipeline_yaml_elements]
*/
WITH inputs AS (
    SELECT e.*,
           lower(coalesce(max(CASE WHEN lower(i.key) = 'command' THEN i.value ->> '$' END), 'buildAndPush'))
               AS command,
           max(CASE WHEN lower(i.key) = 'tags' THEN i.value ->> '$' END) AS tags
    FROM azure_devops.pipeline_yaml_elements AS e, json_each(e.parameters) AS i
    WHERE e.kind = 'task'
      AND regexp_matches(coalesce(e.task, ''), '(?i)^Docker@2$')
    GROUP BY ALL
), hits AS (
    SELECT * EXCLUDE (command, tags), location || ' (' || coalesce(name, task) || ')' AS detail
    FROM inputs
    WHERE command IN ('push', 'buildandpush')
      AND regexp_matches(coalesce(tags, ''), '(?im)^\s*latest\s*$')
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" pushes images tagged latest at ' || array_to_string(details, ', ')
           AS message
FROM yaml_pipeline_findings(hits)
