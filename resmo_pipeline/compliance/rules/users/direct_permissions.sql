/*
id: users.direct_permissions
title: Permissions are granted to a user directly instead of through a group
severity: low
resource_type: access_control_lists
description: >
  An access control entry allows permissions (allow bits set) to an individual person (an Entra ID user or
  a Microsoft account: graph descriptor kinds $human_kinds, or a ClaimsIdentity descriptor when the identity
  could not be resolved) rather than to a group. Entries that only deny, and build or service identities,
  are not reported. One finding per person, listing the namespaces and how many objects. Source: REST Access
  Control Lists (AccessControlEntry.allow per identity descriptor) and
  learn.microsoft.com/azure/devops/organizations/security/about-permissions (manage permissions through
  groups).
rationale: >
  Permissions given to a person one by one are invisible in group reviews, survive role changes and are
  forgotten when the person leaves a team; granting through (Entra) groups keeps who-can-do-what reviewable.
remediation: >
  In the object's Security page (repository, pipeline, area, ...), remove the user's explicit permissions and
  add the user to a group that holds them.
anchors:
  owasp: [CICD-SEC-2]
params:
  human_kinds: [aad, msa]
requires: [access_control_lists]
*/
SELECT
    organization,
    coalesce(identity_subject_descriptor, descriptor) AS resource_id,
    coalesce(identity_display_name, identity_account, identity_subject_descriptor, descriptor) AS resource_name,
    'User ' || coalesce(identity_account, identity_display_name, identity_subject_descriptor, descriptor)
        || ' is granted '
        || 'permissions directly on ' || count(*) || ' object(s) in '
        || string_agg(DISTINCT namespace_name, ', ' ORDER BY namespace_name) || ' instead of through a group'
        AS message
FROM azure_devops.access_control_lists
WHERE coalesce(allow, 0) <> 0
  AND NOT coalesce(identity_is_group, FALSE)
  AND (list_contains($human_kinds, split_part(identity_subject_descriptor, '.', 1))
       OR (identity_subject_descriptor IS NULL
           AND starts_with(descriptor, 'Microsoft.IdentityModel.Claims.ClaimsIdentity;')))
GROUP BY organization, identity_subject_descriptor, descriptor, identity_display_name, identity_account
