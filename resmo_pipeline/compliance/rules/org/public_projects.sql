/*
id: org.public_projects
title: Public projects are allowed or exist
severity: high
resource_type: projects
description: >
  The organization policy "Allow public projects" is on, or a project's visibility is public (readable by
  anyone on the internet without signing in).
rationale: >
  Public projects expose code, pipelines, logs and work items to anonymous users; they should be a
  deliberate exception, not something any project administrator can switch on.
remediation: >
  Organization settings > Policies > Security policies: turn off "Allow public projects"; set each project's
  visibility to private (Project settings > Overview) unless publishing is intended.
anchors:
  adoscanner:
    - ADO_Organization_DP_Dont_Allow_Public_Projects
    - ADO_Project_AuthZ_Set_Visibility_Private_Or_Enterprise
  maester: [AZDO.1003]
  cis: ["4.2.5"]
requires: [projects, organization_policies]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    name AS project_name,
    'projects' AS resource_type,
    'Project "' || name || '" is public: anyone on the internet can read it' AS message
FROM azure_devops.projects
WHERE lower(visibility) = 'public'
UNION ALL
SELECT
    organization,
    resource_id,
    name AS resource_name,
    NULL AS project_name,
    'organization_policies' AS resource_type,
    'The organization allows public projects (' || name || ' is on)' AS message
FROM azure_devops.organization_policies
WHERE name = 'Policy.AllowAnonymousAccess'
  AND policy_is_on(effective_value, value)
