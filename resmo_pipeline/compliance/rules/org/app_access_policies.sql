/*
id: org.app_access_policies
title: Third-party OAuth applications or SSH authentication are allowed
severity: medium
resource_type: organization_policies
description: >
  The organization allows third-party application access via OAuth, or SSH authentication to Git, without a
  recorded exception.
rationale: >
  OAuth apps act with the signing-in user's full rights and are rarely reviewed; SSH keys are long-lived
  credentials outside Entra ID Conditional Access. Note: disabling OAuth breaks OAuth-based tools (this
  pipeline uses PATs or service principals and keeps working).
remediation: >
  Organization settings > Policies > Application connection policies: turn off "Third-party application
  access via OAuth" and "SSH authentication", or suppress the finding with the reason and an owner.
anchors:
  adoscanner:
    - ADO_Organization_AuthZ_Disable_OAuth_App_Access
    - ADO_Organization_AuthN_Disable_SSH_Access
  maester: [AZDO.1000, AZDO.1001]
  owasp: [CICD-SEC-8]
params:
  must_be_on: [Policy.DisallowOAuthAuthentication, Policy.DisallowSecureShell]
requires: [organization_policies]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    'Policy "' || coalesce(description, name) || '" allows it: ' || name || ' is off' AS message
FROM azure_devops.organization_policies
WHERE list_contains($must_be_on, name)
  AND NOT policy_is_on(effective_value, value)
