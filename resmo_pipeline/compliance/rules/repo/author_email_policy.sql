/*
id: repo.author_email_policy
title: Project does not validate commit author emails
severity: medium
resource_type: projects
description: >
  A project has no enabled "Commit author email validation" policy (type $policy_type_id) covering all its
  repositories (a scope entry with no repositoryId), or its allowed patterns accept any address (a pattern
  without a fixed domain after the @, such as * or *@*; *@contoso.com and *@*.contoso.com are fine), or, when $trusted_patterns is not empty, it allows patterns that
  are not in that list (the ADO Security Scanner compares them to its CommitAuthorEmailPattern list). Source:
  learn.microsoft.com/azure/devops/repos/git/repository-settings#commit-author-email-validation and REST Policy
  Configurations (settings.authorEmailPatterns).
rationale: >
  Git lets anyone write any name and email into a commit. Rejecting pushes whose commits are authored with
  addresses outside the organization's domains keeps the history attributable and stops commits that
  impersonate a colleague or an outside identity.
remediation: >
  Project settings > Repositories > Policies (All repositories): turn on "Commit author email validation" and
  list only your domains, e.g. *@contoso.com.
anchors:
  adoscanner: [ADO_Project_SI_Review_Author_Email_Validation_Policy]
  owasp: [CICD-SEC-1]
params:
  policy_type_id: 77ed4bd3-b063-4689-934a-175e4d0a78d7
  trusted_patterns: []
requires: [projects, policy_configurations]
*/
WITH policies AS (
    SELECT p.project_id,
           CASE WHEN json_type(p.settings -> 'authorEmailPatterns') = 'ARRAY'
                THEN CAST(p.settings -> 'authorEmailPatterns' AS VARCHAR[])
                ELSE list_filter([trim(x) FOR x IN string_split(coalesce(p.settings ->> 'authorEmailPatterns', ''), ';')],
                                 lambda x: x <> '') END AS patterns
    FROM azure_devops.policy_configurations AS p
    WHERE p.type_id = $policy_type_id AND p.is_enabled AND NOT coalesce(p.deleted, FALSE)
      AND EXISTS (SELECT 1 FROM unnest(CAST(p.scope AS JSON[])) AS s(entry) WHERE s.entry ->> 'repositoryId' IS NULL)
), judged AS (
    SELECT project_id,
           list_filter(patterns, lambda x: NOT regexp_matches(x, '@(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$')
                                           OR (len($trusted_patterns) > 0 AND NOT list_contains($trusted_patterns, x)))
               AS untrusted,
           len(patterns) AS pattern_count
    FROM policies
)
SELECT
    pr.organization,
    pr.resource_id,
    pr.name AS resource_name,
    pr.name AS project_name,
    project_url(pr.organization, pr.name) || '/_settings/repositories?_a=policies' AS url,
    'Project "' || pr.name || '" '
        || CASE WHEN NOT EXISTS (SELECT 1 FROM judged AS j WHERE j.project_id = pr.id)
                THEN 'has no enabled commit author email validation policy for all repositories'
                ELSE 'validates commit author emails against patterns that accept untrusted addresses: '
                     || (SELECT array_to_string(list_distinct(flatten(list(j.untrusted))), ', ')
                         FROM judged AS j WHERE j.project_id = pr.id) END AS message
FROM azure_devops.projects AS pr
WHERE pr.state = 'wellFormed'
  AND NOT EXISTS (SELECT 1 FROM judged AS j
                  WHERE j.project_id = pr.id AND len(j.untrusted) = 0 AND j.pattern_count > 0)
