/*
id: path.feed_upstream_shadowing
title: Pipelines restore from a feed where public packages can shadow internal ones
severity: high
resource_type: feeds
description: >
  Attack path (dependency confusion), three steps: (1) a feed has an enabled public upstream source (npmjs,
  NuGet.org, PyPI, Maven Central) of some protocol; (2) internal packages of that protocol exist that the feed
  does not protect: a YAML pipeline publishes them (Npm@1 publishFeed, NuGetCommand / DotNetCoreCLI
  publishVstsFeed, UniversalPackages vstsFeedPublish) to another feed that is not one of this feed's upstream
  sources, or to this feed itself while the organization policy "Additional protection when using public
  package registries" is off; (3) a YAML pipeline restores packages of that protocol from the feed (Npm@1
  customFeed, NuGetCommand / DotNetCoreCLI vstsFeed, PipAuthenticate artifactFeeds). Anyone who publishes a
  package with an internal name (and a higher version) to the public registry then gets it into that
  pipeline's build. Feeds are matched by name or id in the task inputs ("project/feed" or "feed").
rationale: >
  Azure Artifacts blocks public versions of a package only when an internally sourced version is in the feed
  or one of its upstreams and the protection is on; internal names the feed has never seen resolve to the
  public registry. Source: learn.microsoft.com/azure/devops/artifacts/concepts/upstream-sources and
  learn.microsoft.com/azure/devops/artifacts/concepts/upstream-behavior (Allow external versions, blocking
  public versions); Microsoft's guidance on package substitution ("3 ways to mitigate risk when using private
  package feeds": one feed with upstreams, scopes / ID prefixes).
remediation: >
  Restore from one feed that holds the internal packages and proxies the public registry (add the internal
  feed as an upstream source of the feed pipelines restore from, ahead of the public one); keep the
  organization policy "Additional protection when using public package registries" on; use npm scopes or
  reserved NuGet ID prefixes for internal packages.
anchors:
  adoscanner:
    - ADO_Organization_SI_Protect_Private_Feeds_Impersonation
  owasp: [CICD-SEC-3]
params:
  restore_inputs: [customFeed, vstsFeed, artifactFeeds]
  publish_inputs: [publishFeed, publishVstsFeed, vstsFeedPublish]
requires: [feeds, pipeline_yaml_elements, organization_policies]
*/
WITH protection AS (
    SELECT coalesce(bool_or(policy_is_on(effective_value, value)), FALSE) AS is_on
    FROM azure_devops.organization_policies
    WHERE name = 'Policy.ArtifactsExternalPackageProtectionToken'
), upstreams AS (
    SELECT f.id AS feed_id, lower(u ->> 'protocol') AS protocol, u ->> 'upstreamSourceType' AS source_type,
           coalesce(u ->> 'name', u ->> 'location') AS source, u ->> 'internalUpstreamFeedId' AS upstream_feed_id
    FROM azure_devops.feeds AS f, unnest(CAST(f.upstream_sources AS JSON[])) AS x(u)
    WHERE coalesce(f.upstream_enabled, FALSE)
), task_feeds AS (
    SELECT e.definition_name, e.location, i.key AS input,
           CASE WHEN e.task ILIKE 'npm%' THEN 'npm'
                WHEN e.task ILIKE 'nuget%' OR e.task ILIKE 'dotnetcorecli%' THEN 'nuget'
                WHEN e.task ILIKE 'pip%' OR e.task ILIKE 'twine%' THEN 'pypi'
                WHEN e.task ILIKE 'maven%' THEN 'maven'
                WHEN e.task ILIKE 'universalpackages%' THEN 'upack' END AS protocol,
           trim(r.feed_ref) AS ref
    FROM azure_devops.pipeline_yaml_elements AS e,
         json_each(e.parameters) AS i,
         unnest(string_split(i.value ->> '$', ',')) AS r(feed_ref)
    WHERE e.kind = 'task'
      AND (list_contains($restore_inputs, i.key) OR list_contains($publish_inputs, i.key))
), uses AS (
    SELECT t.definition_name, t.location, t.protocol, f.id AS feed_id, f.name AS feed,
           list_contains($publish_inputs, t.input) AS publishes
    FROM task_feeds AS t
    JOIN azure_devops.feeds AS f
      ON lower(regexp_extract(t.ref, '([^/]+)$', 1)) IN (lower(f.name), lower(f.id))
     AND (NOT contains(t.ref, '/')
          OR lower(regexp_extract(t.ref, '^(.*)/[^/]+$', 1)) IN (lower(coalesce(f.project_name, '')),
                                                                lower(coalesce(f.project_id, ''))))
    WHERE t.protocol IS NOT NULL
), exposed AS (
    -- (feed, protocol, publishing pipeline, internal feed) where public versions of internal names are not blocked
    SELECT DISTINCT pub.id AS feed_id, u.protocol, u.source, p.definition_name AS publisher, p.feed AS internal_feed,
           p.feed_id = pub.id AS same_feed
    FROM upstreams AS u
    JOIN azure_devops.feeds AS pub ON pub.id = u.feed_id
    JOIN uses AS p ON p.publishes AND p.protocol = u.protocol
    CROSS JOIN protection AS pr
    WHERE u.source_type = 'public'
      AND CASE WHEN p.feed_id = pub.id THEN NOT pr.is_on
               ELSE NOT EXISTS (SELECT 1 FROM upstreams AS i
                                WHERE i.feed_id = pub.id AND i.upstream_feed_id = p.feed_id) END
), paths AS (
    SELECT x.feed_id,
           string_agg(DISTINCT 'public upstream ' || x.source || ' (' || x.protocol || ')', ', ') AS sources,
           string_agg(DISTINCT 'pipeline ' || x.publisher || ' publishes internal ' || x.protocol
                      || ' packages to feed ' || x.internal_feed
                      || CASE WHEN x.same_feed THEN ' itself while the organization''s protection for public'
                                                    || ' package registries is off'
                              ELSE ', which is not an upstream source of it' END, '; ') AS internal,
           string_agg(DISTINCT 'pipeline ' || r.definition_name || ' restores ' || r.protocol
                      || ' packages from it (' || r.location || ')', '; ') AS restorers
    FROM exposed AS x
    JOIN uses AS r ON r.feed_id = x.feed_id AND NOT r.publishes AND r.protocol = x.protocol
    GROUP BY x.feed_id
)
SELECT
    f.organization,
    f.resource_id,
    f.name AS resource_name,
    f.project_name,
    'Feed "' || f.name || '" proxies ' || p.sources || ' → ' || p.internal
        || ', so public packages with those names are not blocked in "' || f.name || '" → ' || p.restorers
        || ' and would take such a public package' AS message
FROM azure_devops.feeds AS f
JOIN paths AS p ON p.feed_id = f.id
