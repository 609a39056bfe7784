/*
id: feeds.retention
title: Feed does not delete old, unused package versions
severity: low
resource_type: feeds
description: >
  A feed has no retention policy, or its policy keeps package versions downloaded in the last
  daysToKeepRecentlyDownloadedPackages days for more than $max_days days, or keeps more than
  $max_versions versions per package (countLimit). The ADO Security Scanner's control uses 180 days and 5
  versions (FeedsAndPackages thresholds). ageLimitInDays is deprecated and not honoured, so it is ignored.
  Source: learn.microsoft.com/azure/devops/artifacts/how-to/delete-and-recover-packages#delete-packages-automatically-with-retention-policies
  and REST Retention Policies - Get Retention Policy (FeedRetentionPolicy).
rationale: >
  Old versions nobody downloads stay resolvable: a build pinned to them, or a version range, keeps pulling
  known-vulnerable code, and every stored version is one more an attacker can imitate or that must be checked
  after a compromise.
remediation: >
  Artifacts > the feed > Feed settings: turn on "Enable package retention", set "Maximum number of versions per
  package" and "Days to keep recently downloaded packages" within the limits.
anchors:
  adoscanner: [ADO_Feed_SI_Delete_Inactive_Packages]
  owasp: [CICD-SEC-3]
params:
  max_days: 180
  max_versions: 100
requires: [feeds, feed_retention_policies]
*/
SELECT
    f.organization,
    f.resource_id,
    f.name AS resource_name,
    f.project_name,
    'Feed "' || f.name || '" '
        || CASE WHEN NOT coalesce(p.has_policy, FALSE) THEN 'has no retention policy'
                ELSE 'keeps ' || concat_ws(' and ',
                         CASE WHEN p.days_to_keep_recently_downloaded_packages > $max_days
                              THEN 'recently downloaded versions for ' || p.days_to_keep_recently_downloaded_packages
                                   || ' days (more than ' || $max_days || ')' END,
                         CASE WHEN p.count_limit > $max_versions
                              THEN p.count_limit || ' versions per package (more than ' || $max_versions || ')' END)
           END AS message
FROM azure_devops.feeds AS f
LEFT JOIN azure_devops.feed_retention_policies AS p ON p.feed_id = f.id
WHERE NOT coalesce(p.has_policy, FALSE)
   OR p.days_to_keep_recently_downloaded_packages > $max_days
   OR p.count_limit > $max_versions
