/*
id: org.audit_streaming
title: Auditing is off, no audit stream is enabled, or a stream is disabled
severity: medium
resource_type: audit_streams
description: >
  The organization does not log audit events, has no enabled audit stream to a SIEM, or has an audit
  stream that is not enabled.
rationale: >
  The audit log is kept for 90 days only and is the record of permission and pipeline changes; streaming it
  to a SIEM keeps it and lets someone alert on it.
remediation: >
  Organization settings > Policies: turn on "Log audit events"; Organization settings > Auditing > Streams:
  enable the stream (or delete it) and make sure at least one stream is enabled.
anchors:
  adoscanner: [ADO_Organization_Enable_Audit_Stream]
  maester: [AZDO.1002, AZDO.1010]
  owasp: [CICD-SEC-10]
requires: [audit_streams, organization_policies]
*/
SELECT
    organization,
    resource_id,
    display_name AS resource_name,
    'audit_streams' AS resource_type,
    'Audit stream "' || display_name || '" (' || consumer_type || ') is ' || coalesce(status, 'unknown')
        || coalesce(': ' || nullif(status_reason, ''), '') AS message
FROM azure_devops.audit_streams
WHERE lower(coalesce(status, '')) <> 'enabled'
UNION ALL
SELECT
    $organization AS organization,
    'no-enabled-stream' AS resource_id,
    'audit streaming' AS resource_name,
    'audit_streams' AS resource_type,
    'No audit stream is enabled: audit events are kept only 90 days and reach no SIEM' AS message
WHERE NOT EXISTS (
    SELECT 1 FROM azure_devops.audit_streams
    WHERE lower(status) = 'enabled'
)
UNION ALL
SELECT
    organization,
    resource_id,
    name AS resource_name,
    'organization_policies' AS resource_type,
    'Audit logging is off (' || name || ')' AS message
FROM azure_devops.organization_policies
WHERE name = 'Policy.LogAuditEvents'
  AND NOT policy_is_on(effective_value, value)
