/*
id: yaml.unpinned_repositories
title: Templates or code from other repositories are not pinned
severity: medium
resource_type: build_definitions
description: >
  A YAML pipeline declares a repository resource (resources.repositories), typically the source of its
  `template: ...@alias` references, without pinning it to a full commit id or a tag: it follows a branch
  (the `ref`, or the repository's default branch when no ref is given).
rationale: >
  Whoever can push to that branch of the other repository changes what this pipeline runs, with this
  pipeline's secrets and service connections, without any change or review in this repository.
remediation: >
  Set `ref:` to a full 40-character commit id or to `refs/tags/<release>` (and protect tags), and update it
  deliberately; or protect the template repository's branch and require a Required template check.
anchors:
  owasp: [CICD-SEC-3, CICD-SEC-8]
requires: [pipeline_yaml_elements]
*/
WITH templates AS (
    SELECT project_id, definition_id, repository_alias, count(*) AS uses
    FROM azure_devops.pipeline_yaml_elements
    WHERE kind IN ('template', 'extends')
      AND repository_alias IS NOT NULL
    GROUP BY ALL
), hits AS (
    SELECT r.*,
           r.location || ' (' || coalesce(r.name, '?') || ' = ' || coalesce(r.value, '?') || ' at '
               || coalesce(r.ref, 'its default branch')
               || CASE WHEN coalesce(t.uses, 0) > 0 THEN ', supplies ' || t.uses || ' template reference(s)'
                       ELSE '' END || ')' AS detail
    FROM azure_devops.pipeline_yaml_elements AS r
    LEFT JOIN templates AS t
        ON t.project_id = r.project_id AND t.definition_id = r.definition_id AND t.repository_alias = r.name
    WHERE r.kind = 'repository'
      AND r.pinned = FALSE
)
SELECT * EXCLUDE (details),
       'Pipeline "' || resource_name || '" uses repositories not pinned to a commit or tag: '
           || array_to_string(details, ', ') AS message
FROM yaml_pipeline_findings(hits)
