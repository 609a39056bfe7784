-- Shared SQL for rules: branch policies (azure_devops.policy_configurations).

-- policy_scope_applies_to_default_branch(scope_repository_id, scope_ref_name, scope_match_kind,
--                                        repository_id, default_branch):
-- one scope entry of a branch policy applies to the repository's default branch. A scope entry applies to
-- all repositories of the project when its repositoryId is NULL; its matchKind is
--   DefaultBranch  the default branch of each repository it covers,
--   Exact          the branch refName exactly (refs/heads/main),
--   Prefix         every branch starting with refName (refs/heads/release/),
-- and an entry with neither refName nor matchKind covers every branch.
-- Source: learn.microsoft.com/rest/api/azure/devops/policy/configurations (PolicyConfiguration.settings.scope)
--         and learn.microsoft.com/azure/devops/repos/git/branch-policies (cross-repo / default branch policies).
CREATE OR REPLACE TEMP MACRO policy_scope_applies_to_default_branch(
        scope_repository_id, scope_ref_name, scope_match_kind, repository_id, default_branch) AS
    (scope_repository_id IS NULL OR scope_repository_id = repository_id)
    AND (scope_match_kind = 'DefaultBranch'
         OR (scope_match_kind = 'Exact' AND scope_ref_name = default_branch)
         OR (scope_match_kind = 'Prefix' AND starts_with(default_branch, scope_ref_name))
         OR (scope_match_kind IS NULL AND scope_ref_name IS NULL));

-- enforced_policy_scopes(policy_type_id): one row per scope entry of every enabled, blocking, not deleted branch
-- policy of that policy type id: the azure_devops.policy_configurations columns plus scope_repository_id,
-- scope_ref_name and scope_match_kind.
CREATE OR REPLACE TEMP MACRO enforced_policy_scopes(policy_type_id) AS TABLE
    SELECT p.*, s.entry.repositoryId AS scope_repository_id, s.entry.refName AS scope_ref_name,
           s.entry.matchKind AS scope_match_kind
    FROM azure_devops.policy_configurations AS p,
         unnest(from_json(p.scope, '[{"repositoryId":"VARCHAR","refName":"VARCHAR","matchKind":"VARCHAR"}]')) AS s(entry)
    WHERE p.type_id = policy_type_id
      AND p.is_enabled AND p.is_blocking AND NOT coalesce(p.deleted, FALSE);
