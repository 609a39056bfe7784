/*
id: org.identity_policies
title: Organization identity policies are weak
severity: high
resource_type: organization_policies
description: >
  An organization policy about who can join is set insecurely: external guest access allowed, IP
  Conditional Access policy validation off, "Request access" on, or team and project administrators may
  invite new users.
rationale: >
  These policies decide who can get into the organization at all; guests and self-service access requests
  widen it beyond the identities the company manages.
remediation: >
  Organization settings > Policies: turn off "External guest access", turn on "Enable IP Conditional Access
  policy validation", turn off "Request access" and "Allow team and project administrators to invite new
  users" (or accept a deviation with a suppression).
anchors:
  adoscanner:
    - ADO_Organization_AuthN_Disable_Guest_Users
    - ADO_Organization_AuthZ_Enable_AAD_Conditional_Access_Policy
    - ADO_Organization_AuthZ_Disable_Request_Access
    - ADO_Organization_AuthZ_Review_Invite_Users_Setting
  maester: [AZDO.1005, AZDO.1006, AZDO.1007, AZDO.1008]
  cis: ["1.3.5"]
  owasp: [CICD-SEC-2]
params:
  must_be_on: [Policy.DisallowAadGuestUserAccess, Policy.EnforceAADConditionalAccess]
  must_be_off: [Policy.AllowRequestAccessToken, Policy.AllowTeamAdminsInvitationsAccessToken]
requires: [organization_policies]
*/
SELECT
    organization,
    resource_id,
    name AS resource_name,
    'Policy "' || coalesce(description, name) || '" (' || name || ') is '
        || CASE WHEN list_contains($must_be_on, name) THEN 'off; it should be on' ELSE 'on; it should be off' END
        AS message
FROM azure_devops.organization_policies
WHERE (
      (list_contains($must_be_on, name)
       AND NOT policy_is_on(effective_value, value))
      OR (list_contains($must_be_off, name)
          AND policy_is_on(effective_value, value))
  )
