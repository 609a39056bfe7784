-- Service connections, variable groups, secure files, pools and environments open to all pipelines.
-- Any pipeline in the project (including one a contributor just created) may use them without an approval.
-- param project = : only this project (empty: every project)
SELECT organization, project_name, resource_type, resource_name, all_pipelines_authorized_by AS opened_by,
       all_pipelines_authorized_on AS opened_on
FROM azure_devops.pipeline_permissions
WHERE all_pipelines_authorized AND ($project = '' OR project_name = $project)
ORDER BY organization, project_name, resource_type, resource_name
