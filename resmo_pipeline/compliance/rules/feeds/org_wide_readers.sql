/*
id: feeds.org_wide_readers
title: Project feed of a private project is readable by the whole organization
severity: medium
resource_type: feeds
description: >
  A project-scoped feed of a private project grants a role (reader or more) to an organization-wide group
  ($org_wide_groups), so everyone in the organization, members of other projects and guests included, can
  download its packages although they cannot see the project. Source:
  learn.microsoft.com/azure/devops/artifacts/feeds/project-scoped-feeds and
  learn.microsoft.com/azure/devops/artifacts/feeds/feed-permissions.
rationale: >
  Internal packages carry the project's code (often with configuration and endpoints); a project feed's
  readers should be the project's members and the pipelines that consume it.
remediation: >
  Artifacts > the feed > Feed settings > Permissions: remove the organization-wide group and grant the
  project's groups (Project Valid Users) or the consuming projects' build services instead.
anchors:
  owasp: [CICD-SEC-2]
params:
  org_wide_groups: [Project Collection Valid Users, Everyone]
requires: [feeds, feed_permissions, projects]
*/
WITH grants AS (
    SELECT feed_id, string_agg(display_name || ' (' || role || ')', ', ' ORDER BY display_name) AS who
    FROM azure_devops.feed_permissions
    WHERE list_contains($org_wide_groups, identity_short_name(display_name)) AND lower(coalesce(role, '')) <> 'none'
    GROUP BY feed_id
)
SELECT
    f.organization,
    f.resource_id,
    f.name AS resource_name,
    f.project_name,
    'Project feed "' || f.name || '" of private project "' || f.project_name
        || '" is open to the whole organization: ' || g.who AS message
FROM azure_devops.feeds AS f
JOIN azure_devops.projects AS p ON p.id = f.project_id
JOIN grants AS g ON g.feed_id = f.id
WHERE p.visibility = 'private'
