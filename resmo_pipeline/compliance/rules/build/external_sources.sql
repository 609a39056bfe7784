/*
id: build.external_sources
title: Build pipeline builds code from an external repository
severity: low
resource_type: build_definitions
description: >
  A build definition's source repository is not an Azure Repos repository of the organization (repository
  type other than $trusted_types, e.g. GitHub, GitHubEnterprise, Bitbucket, Git or Svn). Source: REST Build
  Definitions (BuildRepository.type); ADO Security Scanner CheckExternalSources.
rationale: >
  Code from outside the organization is not under its branch policies and permissions; it runs on the
  organization's agents with the pipeline's token and resources, so such pipelines need a deliberate review.
remediation: >
  Review who controls the external repository and its branches; prefer importing it into Azure Repos, and do
  not give such pipelines secrets, production service connections or self-hosted agents.
anchors:
  adoscanner: [ADO_Build_SI_Review_External_Sources]
  owasp: [CICD-SEC-3, CICD-SEC-4]
params:
  trusted_types: [TfsGit, TfsVersionControl]
requires: [build_definitions]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    project_name,
    id,
    'Build definition "' || name || '" builds external ' || coalesce(repository_type, 'unknown')
        || ' repository "' || coalesce(repository_name, repository_url, '?') || '"' AS message
FROM azure_devops.build_definitions
WHERE NOT list_contains($trusted_types, coalesce(repository_type, ''))
