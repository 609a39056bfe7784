/*
id: hooks.inactive_with_credentials
title: Disabled or failing service hook still holds credentials
severity: medium
resource_type: service_hooks
description: >
  A service hook subscription whose status is not enabled (disabledByUser, disabledBySystem,
  disabledByInactiveIdentity, or onProbation: deliveries are failing and being retried) still has
  credential inputs configured (basic-auth password, HTTP headers, account keys, tokens: has_secret_inputs).
  Source: REST Subscriptions (SubscriptionStatus) and learn.microsoft.com/azure/devops/service-hooks/troubleshoot.
rationale: >
  A subscription nobody keeps working is usually forgotten, but the secret in it stays valid on the receiving
  system and can be read back by anyone who edits the subscription.
remediation: >
  Project settings > Service hooks: delete the subscription if it is no longer needed and revoke its
  credential on the receiving system; otherwise fix the receiver and re-enable it.
anchors:
  owasp: [CICD-SEC-6]
params: {}
requires: [service_hooks]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       'Service hook ' || resource_name || ' is ' || status || ' but still holds credentials ('
           || array_to_string(CAST(consumer_input_names AS VARCHAR[]), ', ') || ')' AS message
FROM service_hook_findings()
WHERE coalesce(status, '') <> 'enabled' AND coalesce(has_secret_inputs, FALSE)
