/*
id: path.hook_external_credentials
title: Service hook sends code-push or release events with credentials to an external host
severity: medium
resource_type: service_hooks
description: >
  Attack path, three steps: (1) an active service hook subscription (enabled or on probation) publishes
  code-push, merged pull request or release events (git.push, git.pullrequest.merged, ms.vss-release.*; the
  event_pattern parameter), whose payloads name
  repositories, branches, commits, releases and the people behind them; (2) it sends them, with credentials
  stored in the subscription (basic auth, HTTP headers, account keys or tokens), to a host outside Azure
  DevOps (target host not under dev.azure.com or visualstudio.com; the internal_hosts parameter), in the
  clear when the target is plain http; (3) the
  project's administrators (Project Collection Administrators for a subscription without project) can edit
  the subscription, so they can point those events and credentials at a host they control. The message
  names them.
rationale: >
  Service hooks run as the organization: every matching event leaves it with the stored credentials, and
  whoever may edit subscriptions decides where they go. Source:
  learn.microsoft.com/azure/devops/service-hooks/overview (subscriptions, "Edit subscriptions" permission of
  Project Administrators) and learn.microsoft.com/azure/devops/service-hooks/services/webhooks (basic
  authentication, HTTP headers, HTTPS).
remediation: >
  Project settings > Service hooks: delete subscriptions nobody needs; for the rest use an https target,
  send minimal resource details, rotate the credentials they hold, and restrict "Edit subscriptions" to a few
  people.
anchors:
  owasp: [CICD-SEC-6, CICD-SEC-10]
params:
  event_pattern: '^(git\.push|git\.pullrequest\.merged|ms\.vss-release\.)'
  internal_hosts: '(?i)(^|\.)(dev\.azure\.com|visualstudio\.com)$'
requires: [service_hooks, groups, users, effective_group_memberships]
*/
WITH hooks AS (
    SELECT h.*
    FROM azure_devops.service_hooks AS h
    WHERE h.status IN ('enabled', 'onProbation')
      AND regexp_matches(coalesce(h.event_type, ''), $event_pattern)
      AND (coalesce(h.has_secret_inputs, FALSE) OR coalesce(h.has_basic_auth, FALSE))
      AND h.target_host IS NOT NULL
      AND NOT regexp_matches(h.target_host, $internal_hosts)
), editors AS (
    SELECT h.id,
           string_agg(DISTINCT p.display_name, ', ' ORDER BY p.display_name) AS people,
           min(group_label(g.project_id, g.display_name, g.principal_name)) AS via
    FROM hooks AS h
    JOIN azure_devops.groups AS g
      ON (h.project_id IS NOT NULL AND g.project_id = h.project_id AND coalesce(g.is_project_admins, FALSE))
      OR (h.project_id IS NULL AND coalesce(g.is_collection_admins, FALSE))
    JOIN identity_people() AS p ON p.identity_descriptor = g.descriptor
    GROUP BY h.id
)
SELECT
    h.organization,
    h.resource_id,
    service_hook_label(h.consumer_id, h.event_type, h.target_host) AS resource_name,
    h.project_name,
    h.id,
    service_hooks_url(h.organization, h.project_name) AS url,
    'Service hook ' || h.consumer_id || ' in ' || coalesce('project ' || h.project_name, 'the organization')
        || ' sends ' || h.event_type || ' events → with stored credentials ('
        || CASE WHEN coalesce(h.has_basic_auth, FALSE) THEN 'basic auth' ELSE 'secret inputs' END || ')'
        || CASE WHEN NOT coalesce(h.target_uses_https, FALSE) THEN ' over plain http' ELSE '' END
        || ' to external host ' || h.target_host
        || ' → ' || e.via || ' (' || e.people || ') can edit the subscription and redirect both' AS message
FROM hooks AS h
JOIN editors AS e ON e.id = h.id
