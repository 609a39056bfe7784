/*
id: hooks.code_events_external
title: Code events are sent to a receiver outside the allow list
severity: high
resource_type: service_hooks
description: >
  An enabled (or on probation) service hook subscription sends code events (event types matching
  $code_event_pattern, such as git.push, git.pullrequest.created / updated / merged,
  ms.vss-code.git-pullrequest-comment-event and tfvc.checkin) to a target host that is not one of $trusted_hosts
  through a consumer that is not one of $trusted_consumers. Web hooks send the full resource by default
  (resourceDetailsToSend all): commit ids and messages, changed refs, authors, pull request titles and
  descriptions. Source: learn.microsoft.com/azure/devops/service-hooks/events (code pushed, pull request events)
  and learn.microsoft.com/azure/devops/service-hooks/services/webhooks.
rationale: >
  Pushes and pull requests reveal what is being changed, by whom, and branch names that often name unreleased
  work or security fixes; a receiver that reacts to pushes (builds, deploys) is also a way to trigger delivery.
remediation: >
  Project settings > Service hooks: delete the subscription, or limit it to one repository and branch and to
  "minimal" resource details, and add the approved host to the trusted_hosts parameter.
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
       'Code events (' || event_type || ') of ' || coalesce('project ' || project_name, 'every project')
           || ' go to ' || coalesce(target_host, 'an unknown host') || ', a receiver outside the allow list ('
           || resource_name || ')' AS message
FROM service_hook_findings()
WHERE list_contains($active_statuses, status)
  AND regexp_matches(coalesce(event_type, ''), $code_event_pattern)
  AND NOT service_hook_target_trusted(consumer_id, target_host, $trusted_consumers, $trusted_hosts)
