/*
id: feeds.supply_chain
title: Artifact feed open to broad groups, build service as feed administrator, or upstream protection off
severity: high
resource_type: feeds
description: >
  A broad group (Valid Users, Contributors) may publish to or administer a feed, a build service identity is
  a feed administrator, or the organization's additional protection for public package registries is off.
rationale: >
  Whoever can publish to a feed can replace a package every build consumes (dependency confusion and
  package substitution); a build service with administrator rights lets any pipeline do so.
remediation: >
  Artifacts > the feed > Feed settings > Permissions: give broad groups the Feed Reader role and build
  services at most Feed Publisher (Contributor); Organization settings > Policies: turn on "Additional
  protections when using public package registries".
anchors:
  adoscanner:
    - ADO_Feed_AuthZ_Restrict_Broader_Group_Access
    - ADO_Feed_AuthZ_Dont_Grant_BuildSvcAcct_Permission
    - ADO_Organization_SI_Protect_Private_Feeds_Impersonation
    - ADO_Organization_AuthZ_Restrict_Broader_Group_Access_on_Feed
  maester: [AZDO.1004]
  owasp: [CICD-SEC-3]
params:
  broad_groups: [Contributors, Readers, Project Valid Users, Project Collection Valid Users, Everyone]
  write_roles: [contributor, collaborator, administrator, owner]
  # build service identities: "... Build Service (org)" names, or ServiceIdentity descriptors of kind Build
  build_service_pattern: '(?i)(build service|ServiceIdentity;[^ ]*:Build:)'
requires: [feeds, feed_permissions, organization_policies]
*/
WITH grants AS (
    SELECT p.feed_id, p.role, p.display_name, p.identity_descriptor,
           identity_short_name(p.display_name) AS short_name
    FROM azure_devops.feed_permissions AS p
), problems AS (
    SELECT feed_id,
           string_agg(DISTINCT
               CASE WHEN list_contains($broad_groups, short_name) AND list_contains($write_roles, lower(role))
                        THEN display_name || ' is ' || role
                    WHEN regexp_matches(coalesce(display_name, '') || ' ' || coalesce(identity_descriptor, ''),
                                        $build_service_pattern)
                         AND lower(role) IN ('administrator', 'owner')
                        THEN 'a build service identity (' || display_name || ') is ' || role
               END, '; ') AS why
    FROM grants
    GROUP BY feed_id
)
SELECT
    f.organization,
    f.resource_id,
    f.name AS resource_name,
    f.project_name,
    'feeds' AS resource_type,
    'Feed "' || f.name || '": ' || p.why AS message
FROM azure_devops.feeds AS f JOIN problems AS p ON p.feed_id = f.id
WHERE p.why IS NOT NULL
UNION ALL
SELECT
    organization,
    resource_id,
    name AS resource_name,
    NULL AS project_name,
    'organization_policies' AS resource_type,
    'Additional protection when using public package registries is off (' || name || ')' AS message
FROM azure_devops.organization_policies
WHERE name = 'Policy.ArtifactsExternalPackageProtectionToken'
  AND NOT policy_is_on(effective_value, value)
