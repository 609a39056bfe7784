/*
id: org.feed_creators
title: Everyone in the organization may create feeds
severity: medium
resource_type: feed_global_permissions
description: >
  The organization-wide Azure Artifacts role "Feed creator" (feedCreator) is held by a broad group
  ($broad_groups; Project Collection Valid Users is what "Everyone in this organization can create feeds"
  grants). The ADO Security Scanner fails its control when Project Collection Valid Users holds the role.
  Source: Packaging GlobalPermissions API (role feedCreator) and
  learn.microsoft.com/azure/devops/artifacts/feeds/feed-permissions#azure-artifacts-settings.
rationale: >
  Whoever creates a feed owns it: they decide who publishes to it and which public upstream sources it
  proxies, outside the reviewed feeds, and pipelines can be pointed at it to pull unvetted or look-alike
  packages.
remediation: >
  Artifacts > Azure Artifacts settings > "Who can create feeds": choose "Only these users and groups can
  create feeds" and list a small group that manages feeds.
anchors:
  adoscanner: [ADO_Organization_AuthZ_Restrict_Feed_Create_Permission]
  owasp: [CICD-SEC-3]
params:
  broad_groups: [Project Collection Valid Users, Project Valid Users, Contributors, Readers]
requires: [feed_global_permissions]
*/
SELECT
    organization,
    resource_id,
    identity_short_name(coalesce(identity_display_name, identity_account)) AS resource_name,
    organization_url(organization) || '/_artifacts' AS url,
    coalesce(identity_display_name, identity_account) || ' holds the Feed creator role: every member of the group '
        || 'can create feeds in the organization' AS message
FROM azure_devops.feed_global_permissions
WHERE role = 'feedCreator'
  AND list_contains($broad_groups, identity_short_name(coalesce(identity_display_name, identity_account)))
