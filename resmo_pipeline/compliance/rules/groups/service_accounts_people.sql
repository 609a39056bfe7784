/*
id: groups.service_accounts_people
title: People are members of a service account group
severity: high
resource_type: groups
description: >
  A person (an Entra ID user or a Microsoft account) is a member of a service account group (Project
  Collection Service Accounts, Enterprise Service Accounts or Project Collection Build Service Accounts),
  directly or through a nested group. Service principals, build identities and nested groups themselves are
  expected there and not reported. Source: Graph Groups and Memberships APIs;
  learn.microsoft.com/azure/devops/organizations/security/permissions#collection-level-groups (Project
  Collection Service Accounts "should only be used for service accounts").
rationale: >
  Project Collection Service Accounts holds collection-level administrator permissions and the build service
  groups hold the pipelines' build permissions, but these groups are rarely reviewed like Project Collection
  Administrators: a person in one of them is a hidden administrator.
remediation: >
  Organization settings > Permissions > (the group) > Members: remove the person, or the nested group that
  brings them in; grant administrators their rights through Project Collection Administrators instead.
anchors:
  adoscanner: [ADO_Organization_AuthZ_Review_Project_Collection_Service_Accounts]
  owasp: [CICD-SEC-2]
params:
  human_kinds: [aad, msa]
requires: [groups, effective_group_memberships, users]
*/
SELECT
    g.organization,
    g.resource_id,
    g.group_name AS resource_name,
    g.group_name || ' has ' || count(DISTINCT p.member_descriptor) || ' person(s) as members, a group meant for '
        || 'service identities only: '
        || string_agg(DISTINCT p.person_principal_name
                      || CASE WHEN p.is_direct THEN '' ELSE ' (through ' || p.via_name || ')' END, ', ')
        AS message
FROM (SELECT *, group_label(project_id, display_name, principal_name) AS group_name FROM azure_devops.groups) AS g
JOIN group_people($human_kinds) AS p ON p.group_descriptor = g.descriptor
WHERE coalesce(g.is_service_accounts, FALSE) OR coalesce(g.is_build_service_accounts, FALSE)
GROUP BY g.organization, g.resource_id, g.group_name
