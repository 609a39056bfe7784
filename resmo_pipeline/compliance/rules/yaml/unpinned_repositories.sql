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
    SELECT organization, project_id, definition_id, repository_alias, count(*) AS uses
    FROM azure_devops.pipeline_yaml_elements
    WHERE organization = $organization
      AND kind IN ('template', 'extends')
      AND repository_alias IS NOT NULL
    GROUP BY ALL
), unpinned AS (
    SELECT r.*, coalesce(t.uses, 0) AS template_uses
    FROM azure_devops.pipeline_yaml_elements AS r
    LEFT JOIN templates AS t
        ON t.organization = r.organization AND t.project_id = r.project_id
       AND t.definition_id = r.definition_id AND t.repository_alias = r.name
    WHERE r.organization = $organization
      AND r.kind = 'repository'
      AND r.pinned = FALSE
), per_pipeline AS (
    SELECT organization, project_id, project_name, definition_id, definition_name, repository_name, file_path,
           min(line) AS line,
           list(location || ' (' || coalesce(name, '?') || ' = ' || coalesce(value, '?') || ' at '
                || coalesce(ref, 'its default branch')
                || CASE WHEN template_uses > 0 THEN ', supplies ' || template_uses || ' template reference(s)'
                        ELSE '' END || ')' ORDER BY line) AS locations
    FROM unpinned
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
    'Pipeline "' || definition_name || '" uses repositories not pinned to a commit or tag: '
        || array_to_string(locations, ', ') AS message
FROM per_pipeline
