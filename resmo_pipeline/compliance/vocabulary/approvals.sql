-- Shared SQL for rules: who approves, who starts runs, and how much independent review a branch needs
-- (the attack-path rules on self-approval, path.approve_* and path.release_*).

-- identity_people(): one row per user and every identity that stands for that user: the user itself and
-- each group the user belongs to, directly or through nested groups (azure_devops.effective_group_memberships).
-- Columns: identity_descriptor (the user's or the group's graph descriptor), user_descriptor, display_name,
-- principal_name. An approver named as a group is therefore every user in it.
-- Source: learn.microsoft.com/azure/devops/pipelines/process/approvals (approvers may be users or groups;
--         any member of an approving group may approve).
CREATE OR REPLACE TEMP MACRO identity_people() AS TABLE
    SELECT u.descriptor AS identity_descriptor, u.descriptor AS user_descriptor, u.display_name, u.principal_name
    FROM azure_devops.users AS u
    UNION
    SELECT m.group_descriptor, u.descriptor, u.display_name, u.principal_name
    FROM azure_devops.effective_group_memberships AS m
    JOIN azure_devops.users AS u ON u.descriptor = m.member_descriptor;

-- approver_starters(starter_groups): the people who can start a run or release in a project and who stand
-- for an identity that may appear as an approver there. One row per project_id, identity_descriptor (the
-- user, or a group the user is in) and user: user_descriptor, display_name, principal_name, via_group (the
-- project group that lets them start runs). starter_groups are the names of the project groups that hold
-- "Queue builds" / "Create releases" by default: Contributors, Build Administrators, Release Administrators
-- and Project Administrators.
-- Source: learn.microsoft.com/azure/devops/pipelines/policies/permissions (default pipeline and release
--         permissions of the project groups).
CREATE OR REPLACE TEMP MACRO approver_starters(starter_groups) AS TABLE
    WITH starters AS (
        SELECT g.project_id, p.user_descriptor, min(g.display_name) AS via_group
        FROM azure_devops.groups AS g
        JOIN identity_people() AS p ON p.identity_descriptor = g.descriptor
        WHERE g.project_id IS NOT NULL AND list_contains(starter_groups, g.display_name)
        GROUP BY g.project_id, p.user_descriptor
    )
    SELECT s.project_id, p.identity_descriptor, p.user_descriptor, p.display_name, p.principal_name, s.via_group
    FROM starters AS s
    JOIN identity_people() AS p ON p.user_descriptor = s.user_descriptor;

-- approver_descriptor(identity): the graph descriptor of an approver as an Approval check or a release stage
-- names it (an IdentityRef JSON object): its descriptor, else the descriptor of the user whose identity id it
-- carries (azure_devops.user_entitlements maps identity ids to user descriptors); NULL when neither is known.
-- Source: REST IdentityRef (id, descriptor) and User Entitlements (id, user.descriptor).
CREATE OR REPLACE TEMP MACRO approver_descriptor(identity) AS
    coalesce(identity ->> 'descriptor',
             (SELECT min(e.user_descriptor) FROM azure_devops.user_entitlements AS e WHERE e.id = (identity ->> 'id')));

-- independent_approvals(minimum_approver_count, creator_vote_counts): how many approvals by people other than
-- the author a "Minimum number of reviewers" policy requires: its minimum, less one when "Allow requestors to
-- approve their own changes" (creatorVoteCounts) lets the author's own vote count.
-- Source: learn.microsoft.com/azure/devops/repos/git/branch-policies#require-a-minimum-number-of-reviewers
CREATE OR REPLACE TEMP MACRO independent_approvals(minimum_approver_count, creator_vote_counts) AS
    greatest(coalesce(minimum_approver_count, 0) - CASE WHEN coalesce(creator_vote_counts, FALSE) THEN 1 ELSE 0 END,
             0);

-- pipeline_reach(): what each build definition (YAML or classic pipeline) can reach once it runs: one row per
-- project_id, definition_id and target: target_kind 'environment' (the pipeline deployed to it, by
-- azure_devops.environment_deployments) or 'service connection' (authorized for the pipeline by id, or open to
-- all pipelines of the project, by azure_devops.pipeline_permissions), target_name.
-- Source: learn.microsoft.com/azure/devops/pipelines/security/resources (pipeline permissions on protected
--         resources) and REST Environments - Environment Deployment Records.
CREATE OR REPLACE TEMP MACRO pipeline_reach() AS TABLE
    SELECT DISTINCT d.project_id, d.definition_id, 'environment' AS target_kind, d.environment_name AS target_name
    FROM azure_devops.environment_deployments AS d
    WHERE d.definition_id IS NOT NULL
    UNION
    SELECT b.project_id, b.id, 'service connection', p.resource_name
    FROM azure_devops.build_definitions AS b
    JOIN azure_devops.pipeline_permissions AS p
      ON p.project_id = b.project_id AND p.resource_type = 'endpoint'
     AND (coalesce(p.all_pipelines_authorized, FALSE)
          OR list_contains(CAST(p.authorized_pipeline_ids AS BIGINT[]), b.id));
