/*
id: hooks.plain_http
title: Service hook sends events over plain HTTP
severity: medium
resource_type: service_hooks
description: >
  A service hook subscription (any status) delivers events to an http:// URL (target_uses_https false), so the
  event payload (repository, branch, commit, build or work item details, and whatever headers are configured)
  crosses the network unencrypted. Source: learn.microsoft.com/azure/devops/service-hooks/services/webhooks
  and REST Subscriptions (consumerInputs.url).
rationale: >
  Anyone on the network path can read or change what is sent, and a receiver that acts on the event (deploys,
  runs jobs) can be fed forged events.
remediation: >
  Project settings > Service hooks: edit the subscription and change the URL to https:// (give the receiver a
  TLS certificate), or delete the subscription if it is no longer used.
anchors:
  owasp: [CICD-SEC-8]
params: {}
requires: [service_hooks]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       'Service hook ' || resource_name || ' (' || status || ') sends events over plain HTTP' AS message
FROM service_hook_findings()
WHERE target_uses_https = FALSE
