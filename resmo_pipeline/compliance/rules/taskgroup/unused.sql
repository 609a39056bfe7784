/*
id: taskgroup.unused
title: Task group is not used by any pipeline
severity: low
resource_type: task_groups
description: >
  A task group (not deleted) is not run by any classic build definition's agent job, any release
  definition's stage, nor any other task group of its project (no step of definitionType metaTask naming its
  id). YAML pipelines cannot use task groups. Sources: REST Task Groups - List; REST Build Definitions
  (BuildDefinitionStep.task) and Release Definitions (WorkflowTask.taskId);
  learn.microsoft.com/azure/devops/pipelines/library/task-groups.
rationale: >
  An unused task group still holds scripts and inputs (sometimes credentials or URLs) and its permissions;
  nobody reviews it, and a pipeline added later may pick up whatever it has become. Removing it keeps the
  library small and reviewable.
remediation: >
  Pipelines > Task groups: check the group's references (the "References" tab), then delete it or export it
  for the record.
anchors:
  owasp: [CICD-SEC-7]
requires: [task_groups, build_definitions, release_definitions]
*/
WITH used AS (
    SELECT project_id, lower(task_id) AS task_group_id
    FROM definition_tasks()
    WHERE definition_type = 'metaTask'
    UNION
    SELECT g.project_id, lower(t.task ->> '$.task.id')
    FROM azure_devops.task_groups AS g, unnest(CAST(coalesce(g.tasks, '[]') AS JSON[])) AS t(task)
    WHERE t.task ->> '$.task.definitionType' = 'metaTask'
)
SELECT
    g.organization,
    g.resource_id,
    g.name AS resource_name,
    g.project_name,
    g.id,
    project_url(g.organization, g.project_name) || '/_taskgroups' AS url,
    'Task group "' || g.name || '" of project "' || g.project_name || '" is not used by any pipeline' AS message
FROM azure_devops.task_groups AS g
WHERE NOT coalesce(g.deleted, FALSE)
  AND NOT EXISTS (SELECT 1 FROM used AS u WHERE u.project_id = g.project_id AND u.task_group_id = lower(g.id))
