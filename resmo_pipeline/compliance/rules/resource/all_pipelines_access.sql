/*
id: resource.all_pipelines_access
title: Environment, agent queue or repository is authorized for all pipelines
severity: high
resource_type: pipeline_permissions
description: >
  An environment, an agent queue or a repository is open to every pipeline of a project, so any pipeline can
  deploy to the environment, run on the agents or check out the repository.
rationale: >
  Protected resources are where approvals and checks are enforced; open access lets an attacker-controlled
  pipeline reach self-hosted agents, deployment targets or private code without review.
remediation: >
  Open the resource's Security (environments, agent queues) or the repository's settings > Pipeline
  permissions, turn off open access and authorize the pipelines that need it.
anchors:
  adoscanner:
    - ADO_Environment_AuthZ_Dont_Grant_All_Pipelines_Access
    - ADO_AgentPool_AuthZ_Dont_Grant_All_Pipelines_Access
    - ADO_Repository_AuthZ_Dont_Grant_All_Pipelines_Access
  owasp: [CICD-SEC-5]
params:
  resource_types: [environment, queue, repository]
requires: [pipeline_permissions]
*/
SELECT
    p.organization,
    p.resource_id,
    p.resource_name,
    p.project_name,
    CASE p.resource_type WHEN 'environment' THEN 'environments' WHEN 'queue' THEN 'agent_queues'
         WHEN 'repository' THEN 'repositories' ELSE 'pipeline_permissions' END AS resource_type,
    p.resource_id_ref AS id,
    CASE p.resource_type WHEN 'queue' THEN 'Agent queue' WHEN 'environment' THEN 'Environment'
         WHEN 'repository' THEN 'Repository' ELSE p.resource_type END
        || ' "' || coalesce(p.resource_name, p.resource_id_ref) || '" is authorized for all pipelines in '
        || coalesce(p.project_name, p.project_id) AS message
FROM azure_devops.pipeline_permissions AS p
WHERE p.organization = $organization
  AND p.all_pipelines_authorized
  AND list_contains($resource_types, p.resource_type)
