/*
id: taskgroup.broadly_editable
title: Pipeline runs a task group that broad groups may edit
severity: high
resource_type: build_definitions
description: >
  A classic build definition's agent job or a release definition's stage runs a task group (a step of
  definitionType metaTask) on which one of the broad groups ($broad_groups) is allowed Edit or Administer in
  the MetaTask security namespace (token {projectId}/{taskGroupId}, or inherited from the project's token).
  Sources: ADO Security Scanner CheckTaskGroupEditPermission; learn.microsoft.com/azure/devops/pipelines/library/task-groups;
  REST Build Definitions (BuildDefinitionStep.task.definitionType).
rationale: >
  Everyone who can edit the task group can change the steps every pipeline using it runs, with those
  pipelines' secrets and service connections, without permission to edit the pipelines themselves.
remediation: >
  Pipelines > Task groups > the group > Security: remove Edit and Administer from the broad groups (or turn
  off inheritance), so only the pipeline owners can change it.
anchors:
  adoscanner:
    - ADO_Build_SI_Dont_Use_Broadly_Editable_Task_Group
    - ADO_Release_SI_Dont_Use_Broadly_Editable_Task_Group
  owasp: [CICD-SEC-1, CICD-SEC-4]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users]
  edit_actions: [Edit, Administer]
requires: [build_definitions, release_definitions, task_groups, projects, access_control_lists, groups,
           security_namespaces]
*/
WITH editable AS (
    SELECT project_id, id AS task_group_id, name AS task_group,
           string_agg(group_name, ', ' ORDER BY group_name) AS editors
    FROM broad_group_grants(['task_group'], $broad_groups, $edit_actions)
    GROUP BY project_id, id, name
)
SELECT
    t.organization,
    t.resource_id,
    t.name AS resource_name,
    t.project_name,
    t.resource_type,
    t.id,
    CASE t.resource_type WHEN 'build_definitions' THEN 'Build' ELSE 'Release' END || ' definition "' || t.name
        || '" runs task groups that broad groups may edit: '
        || string_agg(DISTINCT e.task_group || ' (' || e.editors || ')', '; ') AS message
FROM definition_tasks() AS t
JOIN editable AS e ON e.project_id = t.project_id AND lower(e.task_group_id) = lower(t.task_id)
WHERE t.definition_type = 'metaTask' AND t.enabled
GROUP BY t.organization, t.resource_id, t.name, t.project_name, t.resource_type, t.id
