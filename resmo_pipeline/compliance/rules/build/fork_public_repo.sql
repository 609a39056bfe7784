/*
id: build.fork_public_repo
title: Private project builds forks of a public repository
severity: high
resource_type: build_definitions
description: >
  A build definition of a private project builds a public external repository (repository property isPrivate
  false) and its pull-request trigger builds pull requests from forks (forks.enabled), unless the project's
  fork protection turns fork builds off (pipeline_settings: forkProtectionEnabled with buildsEnabledForForks
  false). Sources: ADO Security Scanner CheckForkedBuildTriggerForPvtProject;
  learn.microsoft.com/azure/devops/pipelines/repos/github#contributions-from-forks.
rationale: >
  Anyone on the internet can fork a public repository and open a pull request; the code of that pull request
  then runs inside a private project, with its agents, job token and possibly secrets.
remediation: >
  Edit the pipeline > Triggers > Pull request validation: clear "Build pull requests from forks of this
  repository", or turn on "Limit building pull requests from forked GitHub repositories" in the project's
  pipeline settings.
anchors:
  adoscanner: [ADO_Build_DP_Dont_Allow_Forked_PublicRepo_Builds_In_PrivateProjects]
  owasp: [CICD-SEC-4]
requires: [build_definitions, projects, pipeline_settings]
*/
SELECT
    d.organization,
    d.resource_id,
    d.name AS resource_name,
    d.project_name,
    d.id,
    'Build definition "' || d.name || '" in private project "' || d.project_name
        || '" builds pull requests from forks of public repository "' || coalesce(d.repository_name, '?') || '"'
        AS message
FROM azure_devops.build_definitions AS d
JOIN azure_devops.projects AS p ON p.id = d.project_id
LEFT JOIN azure_devops.pipeline_settings AS s ON s.project_id = d.project_id
WHERE coalesce(p.visibility, 'private') <> 'public'
  AND lower(coalesce(d.raw ->> '$.repository.properties.isPrivate', d.raw ->> '$.repository.properties.IsPrivate', 'true')) = 'false'
  AND d.fork_builds_enabled
  AND NOT (coalesce(s.fork_protection_enabled, FALSE) AND NOT coalesce(s.builds_enabled_for_forks, TRUE))
