/*
id: release.external_sources
title: Release pipeline deploys artifacts from an external source
severity: low
resource_type: release_definitions
description: >
  A release definition has an artifact whose type is not one of the organization's own sources
  ($trusted_types: Azure Pipelines builds and Azure Repos Git), e.g. GitHub, Jenkins, an external container
  registry or package feed. Sources: REST Release Definitions (Artifact.type); ADO Security Scanner
  CheckExternalSources (Release).
rationale: >
  What a release deploys comes from that source; an artifact produced outside the organization's pipelines
  and branch policies has not gone through its review and can be replaced by whoever controls the source.
remediation: >
  Review each external artifact source and who can publish to it; prefer deploying builds of Azure
  Pipelines from Azure Repos, or pin the external artifact to reviewed versions.
anchors:
  adoscanner: [ADO_Release_SI_Review_External_Sources]
  owasp: [CICD-SEC-3, CICD-SEC-9]
params:
  trusted_types: [Build, Git]
requires: [release_definitions]
*/
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.id,
    'Release definition "' || d.name || '" deploys external artifacts: '
        || string_agg(coalesce(a.artifact ->> 'alias', '?') || ' (' || coalesce(a.artifact ->> 'type', '?') || ')',
                      ', ' ORDER BY a.artifact ->> 'alias') AS message
FROM azure_devops.release_definitions AS d, unnest(CAST(coalesce(d.artifacts, '[]') AS JSON[])) AS a(artifact)
WHERE NOT coalesce(d.deleted, FALSE)
  AND NOT list_contains($trusted_types, coalesce(a.artifact ->> 'type', ''))
GROUP BY d.organization, d.resource_id, d.name, d.project_name, d.id
