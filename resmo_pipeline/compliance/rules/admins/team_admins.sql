/*
id: admins.team_admins
title: A team administrator is a guest, inactive or deleted account
severity: medium
resource_type: team_members
description: >
  A team administrator is a guest user, has not signed in for $inactive_days days (or never, $never_signed_in_days
  days after being added), was deleted from their directory, or no longer has an access level in the organization.
  Only people are checked (descriptor kinds $human_kinds), not groups that administer a team. One finding per person
  and project, naming the teams. Source: REST Teams - Get Team Members (TeamMember.isTeamAdmin), User Entitlements API
  and learn.microsoft.com/azure/devops/organizations/settings/add-team-administrator.
rationale: >
  Team administrators manage their team's membership, area and iteration paths, boards and dashboards, and (unless the
  invitation policy is off) can invite new users into the organization; a dormant or external account holding that
  role is an unwatched way in.
remediation: >
  Project settings > Teams > (the team) > Settings > Administrators: remove the account and name an active member of
  the company as team administrator.
anchors:
  owasp: [CICD-SEC-2]
params:
  inactive_days: 90
  never_signed_in_days: 30
  human_kinds: [aad, msa]
requires: [team_members, user_entitlements, users]
*/
WITH admins AS (
    SELECT t.organization, t.project_name, t.descriptor, t.team_name,
           coalesce(e.principal_name, t.unique_name, t.display_name) AS person,
           coalesce(e.display_name, t.display_name) AS person_name,
           concat_ws(' and ',
                     CASE WHEN lower(e.user_type) = 'guest' THEN 'is a guest' END,
                     account_staleness(e.id IS NOT NULL, u.is_deleted_in_origin, e.last_accessed_date,
                                       e.date_created, $inactive_days, $never_signed_in_days)) AS why
    FROM azure_devops.team_members AS t
    LEFT JOIN azure_devops.user_entitlements AS e ON e.user_descriptor = t.descriptor
    LEFT JOIN azure_devops.users AS u ON u.descriptor = t.descriptor
    WHERE coalesce(t.is_team_admin, FALSE)
      AND list_contains($human_kinds, split_part(t.descriptor, '.', 1))
)
SELECT
    organization,
    project_name || '/' || descriptor AS resource_id,
    person_name AS resource_name,
    project_name,
    project_url(organization, project_name) || '/_settings/teams' AS url,
    person || ' administers team(s) ' || string_agg(DISTINCT team_name, ', ' ORDER BY team_name) || ' of project "'
        || project_name || '" but ' || why AS message
FROM admins
WHERE why <> ''
GROUP BY organization, project_name, descriptor, person, person_name, why
