/*
id: hooks.untrusted_target
title: Service hook sends events to a host outside the allow list
severity: medium
resource_type: service_hooks
description: >
  An enabled (or on probation) service hook subscription for an event other than code events (event types
  matching $code_event_pattern: see hooks.code_events_external) delivers to a target host that is not one of $trusted_hosts (a host or a parent
  domain) and through a consumer that is not one of $trusted_consumers (services writing to the
  organization's own Azure resources). Set trusted_hosts to the receivers your organization runs or has
  approved. Source: learn.microsoft.com/azure/devops/service-hooks/overview and REST Subscriptions
  (consumerId, consumerInputs.url).
rationale: >
  Event payloads describe builds, releases, work items and the identities involved; an unknown receiver is a
  data flow nobody approved, and a receiver that triggers actions is an entry point into delivery.
remediation: >
  Project settings > Service hooks: delete the subscription if the receiver is unknown, or add the approved
  host to the trusted_hosts parameter of this rule.
anchors:
  owasp: [CICD-SEC-8]
params:
  # Services run by their vendor (Teams incoming webhooks, Slack). Do not add shared hosting domains such as
  # azurewebsites.net or core.windows.net: anyone can run a receiver there.
  trusted_hosts: [webhook.office.com, hooks.slack.com]
  trusted_consumers: [azureStorageQueue, azureServiceBus]
  active_statuses: [enabled, onProbation]
  code_event_pattern: '^(git\.|tfvc\.|ms\.vss-code\.)'
requires: [service_hooks]
*/
SELECT organization, resource_id, resource_name, project_name, url,
       'Service hook ' || resource_name || ' delivers ' || event_type || ' events to '
           || coalesce(target_host, 'an unknown host') || ', which is not allow-listed' AS message
FROM service_hook_findings()
WHERE list_contains($active_statuses, status)
  AND NOT regexp_matches(coalesce(event_type, ''), $code_event_pattern)
  AND NOT service_hook_target_trusted(consumer_id, target_host, $trusted_consumers, $trusted_hosts)
