/*
id: sc.github_pat
title: GitHub service connection authenticates with a personal access token
severity: medium
resource_type: service_connections
description: >
  A GitHub or GitHub Enterprise service connection uses a personal access token (authorization scheme in
  $token_schemes) rather than the Azure Pipelines GitHub App (InstallationToken) or OAuth. Source:
  learn.microsoft.com/azure/devops/pipelines/repos/github (GitHub App, OAuth,
  personal access token); PSRule Azure.DevOps.ServiceConnections.GitHubPAT.
rationale: >
  A personal access token acts as the person who created it, on every repository and organization they can
  reach, usually for a long time; an app installation is limited to the repositories it was granted and its
  tokens are short-lived.
remediation: >
  Create a GitHub service connection using the Azure Pipelines GitHub App (or OAuth), switch the pipelines to
  it, delete this connection and revoke the token in GitHub.
anchors:
  psrule: [Azure.DevOps.ServiceConnections.GitHubPAT]
  owasp: [CICD-SEC-6]
params:
  token_schemes: [PersonalAccessToken, Token]
requires: [service_connections]
*/
SELECT organization, resource_id, name AS resource_name, project_name, id,
       'GitHub service connection "' || name || '" authenticates with a personal access token ('
           || authorization_scheme || ')' AS message
FROM azure_devops.service_connections
WHERE lower(type) IN ('github', 'githubenterprise')
  AND list_contains($token_schemes, authorization_scheme)
