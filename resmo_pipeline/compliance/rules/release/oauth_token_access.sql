/*
id: release.oauth_token_access
title: Release jobs get the pipeline's OAuth token
severity: medium
resource_type: release_definitions
description: >
  A release definition has an agent or deployment-group job with "Allow scripts to access the OAuth token"
  (environments[].deployPhases[] of phaseType agentBasedDeployment / machineGroupBasedDeployment with
  deploymentInput.enableAccessToken true). Sources: ADO Security Scanner CheckAccessToOAuthToken (Release);
  REST Release Definitions (AgentDeploymentInput.enableAccessToken).
rationale: >
  The job token can call the Azure DevOps REST API; any script or third-party task of the deployment job can
  read it and use it against the project.
remediation: >
  Edit the release pipeline > Tasks > the agent job > Additional options: clear "Allow scripts to access the
  OAuth token".
anchors:
  adoscanner: [ADO_Release_AuthZ_Restrict_Access_To_OAuth_Token_For_Agent_Jobs]
  owasp: [CICD-SEC-5, CICD-SEC-6]
requires: [release_definitions]
*/
SELECT
    s.organization,
    s.resource_id,
    s.name AS resource_name,
    s.project_name,
    s.id,
    'Release definition "' || s.name || '": jobs '
        || string_agg((s.stage ->> 'name') || '/' || (p.phase ->> 'name'), ', ')
        || ' allow scripts to access the OAuth token' AS message
FROM release_stages() AS s, unnest(CAST(coalesce(s.stage -> 'deployPhases', '[]') AS JSON[])) AS p(phase)
WHERE NOT coalesce(s.deleted, FALSE)
  AND (p.phase ->> 'phaseType') IN ('agentBasedDeployment', 'machineGroupBasedDeployment')
  AND json_flag(p.phase -> 'deploymentInput', 'enableAccessToken')
GROUP BY s.organization, s.resource_id, s.name, s.project_name, s.id
