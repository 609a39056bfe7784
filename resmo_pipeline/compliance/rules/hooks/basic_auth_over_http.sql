/*
id: hooks.basic_auth_over_http
title: Service hook sends basic-auth credentials over plain HTTP
severity: high
resource_type: service_hooks
description: >
  A service hook subscription has a basic-authentication user name or password configured
  (consumerInputs basicAuthUsername / basicAuthPassword) and delivers to an http:// URL: the credentials travel
  in clear text (Base64) with every event. Source: learn.microsoft.com/azure/devops/service-hooks/services/webhooks
  (the web hook consumer sends basic authentication in the Authorization header).
rationale: >
  The password can be read by anyone on the network path and reused against the receiving system, which often
  accepts it for more than receiving events.
remediation: >
  Rotate the password on the receiving system, then change the subscription's URL to https:// (Project settings
  > Service hooks > edit); prefer a receiver that authenticates with a secret header over TLS.
anchors:
  owasp: [CICD-SEC-6]
params: {}
requires: [service_hooks]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       'Service hook ' || resource_name || ' sends a basic-auth password in clear text with every event' AS message
FROM service_hook_findings()
WHERE coalesce(has_basic_auth, FALSE) AND target_uses_https = FALSE
