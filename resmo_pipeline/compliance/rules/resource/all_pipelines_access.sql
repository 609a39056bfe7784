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
    pipeline_resource_table(p.resource_type) AS resource_type,
    p.resource_id_ref AS id,
    upper(left(pipeline_resource_label(p.resource_type), 1)) || substr(pipeline_resource_label(p.resource_type), 2)
        || ' "' || coalesce(p.resource_name, p.resource_id_ref) || '" is authorized for all pipelines in '
        || coalesce(p.project_name, p.project_id) AS message
FROM open_to_all_pipelines($resource_types) AS p
