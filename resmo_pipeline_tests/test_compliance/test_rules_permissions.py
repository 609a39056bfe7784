"""The rules over the effective permissions (perm.*, compliance/vocabulary/permissions.sql).

Each rule finds its demo violations on the demo warehouse with the permission step run on it, and no longer finds
them when the access control entries, memberships or role assignments behind them change in a copy of the
inventory and the permissions are evaluated again (the rules read only the evaluated tables and views).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.loader import (
    builtin_rules,
    catalog_tables,
    parse_rule,
    permission_tables,
    view_tables,
)
from resmo_pipeline.compliance.model import RuleResult, RuleStatus
from resmo_pipeline.compliance.params import ParameterConfig
from resmo_pipeline.permissions import PERMISSION_TABLES
from resmo_pipeline.permissions.assets import EVALUATED_TABLES
from resmo_pipeline.permissions.views import VIEW_TABLES
from resmo_pipeline.simulator.data.demo_rules.permissions import EXAMPLES
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION, write_permissions

RULES = {rule.id: rule for rule in builtin_rules().rules if rule.id.startswith("perm.")}
# Git Repositories bits: ForcePush 8, PolicyExempt 128, DeleteRepository 512, ManagePermissions 8192. Build bits:
# EditBuildDefinition 2048, AdministerBuildPermissions 16384. Project: RENAME 32768. ReleaseManagement:
# ManageReleases 16, CreateReleases 64. Git GenericContribute 4.
FORCE_PUSH, POLICY_EXEMPT, DELETE_REPOSITORY, MANAGE_PERMISSIONS = 8, 128, 512, 8192
EDIT_PIPELINE, ADMINISTER_BUILD_PERMISSIONS, RENAME_PROJECT = 2048, 16384, 32768


@pytest.fixture(scope="module")
def permissions_template(tmp_path_factory: pytest.TempPathFactory, demo_warehouse_template: Path) -> Path:
    """The demo warehouse with the permission step run on it."""
    path = tmp_path_factory.mktemp("perm") / "warehouse.duckdb"
    shutil.copy(demo_warehouse_template, path)
    write_permissions(path)
    return path


@pytest.fixture
def warehouse(tmp_path: Path, permissions_template: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(permissions_template, path)
    return path


def run(path: Path, rule_id: str, statements: tuple[str, ...] = ()) -> RuleResult:
    """Change the inventory (then evaluate the permissions again) and evaluate one rule."""
    if statements:
        with write_connection(path, publish_after_s=None) as conn:
            for statement in statements:
                conn.execute(statement)
        write_permissions(path)
    with write_connection(path, publish_after_s=None) as conn:
        (result,) = evaluate(conn, [RULES[rule_id]], ORGANIZATION, ParameterConfig(), "run-1", suppressions=())
    return result


def found(result: RuleResult) -> set[str]:
    assert result.status in (RuleStatus.FAILED, RuleStatus.PASSED), result.reason
    return {finding["resource_name"] for finding in result.findings}


def descriptor(kind: str, name: str) -> str:
    """SQL for the descriptor of a user (by principal name) or group (by principal name)."""
    return f"(SELECT descriptor FROM azure_devops.{kind} WHERE principal_name = '{name}')"


def set_bits(identity_sql: str, *, clear: int = 0, deny: int = 0, token_like: str = "%", namespace: str = "%") -> str:
    """Clear allow bits of (or add deny bits to) an identity's entries on tokens like ``token_like``."""
    return (f"UPDATE azure_devops.access_control_lists SET allow = allow & ~{clear}, deny = coalesce(deny, 0) | {deny} "
            f"WHERE identity_subject_descriptor = {identity_sql} AND token ILIKE '{token_like}' "
            f"AND namespace_name ILIKE '{namespace}'")


def member_of(member_sql: str, group: str) -> str:
    """Make an identity a direct member of a group (by principal name) in effective_group_memberships."""
    return (f"INSERT INTO azure_devops.effective_group_memberships (organization, group_descriptor, member_descriptor,"
            f" depth, path, is_direct) SELECT '{ORGANIZATION}', {descriptor('groups', group)}, {member_sql}, 1, "
            f"to_json([{descriptor('groups', group)}, {member_sql}]), TRUE")


def deny_on_pipelines(bit: int, pipelines: list[str], holders: str) -> str:
    """An entry denying ``bit`` on each of those pipelines' own tokens ({projectId}/{id}) to every identity allowed
    it on their project's token (matching ``holders``, SQL on the project entry ``a``)."""
    names = ", ".join(f"'{name}'" for name in pipelines)
    return f"""INSERT INTO azure_devops.access_control_lists (organization, namespace_id, namespace_name, token,
                   inherit_permissions, descriptor, allow, deny, identity_subject_descriptor, identity_display_name)
               SELECT a.organization, a.namespace_id, a.namespace_name, d.project_id || '/' || d.id, TRUE,
                      a.descriptor, 0, {bit}, a.identity_subject_descriptor, a.identity_display_name
               FROM azure_devops.access_control_lists AS a
               JOIN azure_devops.build_definitions AS d ON a.token = d.project_id
               WHERE a.namespace_name = 'Build' AND d.name IN ({names}) AND a.allow & {bit} <> 0 AND ({holders})"""


KARL = descriptor("users", "karl@contoso.com")
JUDY = descriptor("users", "judy@contoso.com")
DATA_CONTRIBUTORS = descriptor("groups", "[Data Platform]\\Contributors")
MAIN_TOKEN = "repoV2/%/refs/heads/6d00610069006e00%"


# ---- the demo findings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_each_rule_finds_its_demo_violations_with_a_message_naming_the_grant(warehouse: Path, rule_id: str) -> None:
    result = run(warehouse, rule_id)
    assert found(result) == set(EXAMPLES[rule_id]["violating"])
    assert not found(result) & set(EXAMPLES[rule_id]["compliant"])
    for finding in result.findings:
        assert finding["url"].startswith(f"https://dev.azure.com/{ORGANIZATION}/"), finding


def test_messages_name_identity_permission_resource_and_path(warehouse: Path) -> None:
    (bypass,) = run(warehouse, "perm.default_branch_bypass").findings
    assert "karl@contoso.com" in bypass["message"] and '"Bypass policies when pushing"' in bypass["message"]
    assert '"Bypass policies when pushing" (own entry)' in bypass["message"]
    messages = {f["resource_name"]: f["message"] for f in run(warehouse, "perm.default_branch_force_push").findings}
    assert 'Payments Build Service (contoso) may "Force push (rewrite history, delete branches and tags)" (set on it)' \
        in messages["payments-api"]
    editors = {f["resource_name"]: f["message"] for f in run(warehouse, "perm.pipeline_editors_production").findings}
    assert "prod-azure-wif" in editors["web-ci"]
    edit = '[Contoso Web]\\Contributors may "Edit build pipeline" (inherited from project Contoso Web)'
    assert edit in editors["web-ci"]
    (role,) = run(warehouse, "perm.production_admin_roles").findings
    assert role["resource_type"] == "environments"
    assert "olivia@contoso.com (own assignment (assigned))" in role["message"]


# ---- one step taken away: the finding goes -------------------------------------------------------------------


def test_bypass_denied_on_the_branch_or_held_by_an_administrator(warehouse: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    shutil.copy(warehouse, other)
    assert found(run(warehouse, "perm.default_branch_bypass", (set_bits(KARL, deny=POLICY_EXEMPT,
                                                                          token_like=MAIN_TOKEN),))) == set()
    assert found(run(other, "perm.default_branch_bypass",
                     (member_of(KARL, "[Data Platform]\\Project Administrators"),))) == set()


def test_bypass_of_a_user_through_a_group(warehouse: Path) -> None:
    """A group's allow reaches its members: Contributors allowed to bypass on main of payments-infra (on the
    repository's list) make their members bypassers, named with the group they come through."""
    statements = ("""INSERT INTO azure_devops.access_control_lists (organization, namespace_id, namespace_name, token,
                         inherit_permissions, descriptor, allow, deny, identity_subject_descriptor,
                         identity_display_name)
                     SELECT a.organization, a.namespace_id, a.namespace_name, a.token, TRUE, 'legacy;pc', 32768, 0,
                            g.descriptor, g.principal_name
                     FROM azure_devops.access_control_lists AS a, azure_devops.groups AS g,
                          azure_devops.repositories AS r
                     WHERE r.name = 'payments-infra' AND a.token ILIKE 'repoV2/' || r.project_id || '/' || r.id
                       AND g.principal_name = '[Payments]\\Contributors' LIMIT 1""",)
    result = run(warehouse, "perm.default_branch_bypass", statements)
    assert found(result) == {"data-contracts", "payments-infra"}
    message = next(f["message"] for f in result.findings if f["resource_name"] == "payments-infra")
    assert "olivia@contoso.com" in message and "via [Payments]\\Contributors" in message
    assert "frank@contoso.com" not in message  # a Payments project administrator
    # Any deny among a user's identities wins: Olivia's own deny, whatever her group allows.
    olivia = descriptor("users", "olivia@contoso.com")
    deny = (f"""INSERT INTO azure_devops.access_control_lists (organization, namespace_id, namespace_name, token,
                    inherit_permissions, descriptor, allow, deny, identity_subject_descriptor, identity_display_name)
                SELECT organization, namespace_id, namespace_name, token, TRUE, 'legacy;olivia', 0, 32768,
                       {olivia}, 'Olivia Sec'
                FROM azure_devops.access_control_lists WHERE identity_display_name = '[Payments]\\Contributors'
                  AND allow = 32768""",)
    message = next(f["message"] for f in run(warehouse, "perm.default_branch_bypass", deny).findings
                   if f["resource_name"] == "payments-infra")
    assert "olivia@contoso.com" not in message and "karl@contoso.com" in message


def test_force_push_denied(warehouse: Path) -> None:
    service = "(SELECT descriptor FROM azure_devops.users WHERE display_name = 'Payments Build Service (contoso)')"
    statements = (set_bits(KARL, deny=FORCE_PUSH, token_like=MAIN_TOKEN),
                  set_bits(service, clear=FORCE_PUSH, token_like=MAIN_TOKEN))
    assert found(run(warehouse, "perm.default_branch_force_push", statements)) == set()


def test_broad_group_manage_permissions_removed(warehouse: Path) -> None:
    statements = (set_bits(DATA_CONTRIBUTORS, clear=MANAGE_PERMISSIONS, namespace="Git Repositories"),)
    assert found(run(warehouse, "perm.broad_group_administer_permissions", statements)) == set()


def test_build_service_project_write_removed(warehouse: Path) -> None:
    service = ("(SELECT descriptor FROM azure_devops.users "
               "WHERE display_name = 'Open Source Tools Build Service (contoso)')")
    statements = (set_bits(service, clear=EDIT_PIPELINE, namespace="Build"),)
    assert found(run(warehouse, "perm.build_service_project_write", statements)) == set()


def test_delete_repository_denied_to_contributors(warehouse: Path) -> None:
    statements = (set_bits(DATA_CONTRIBUTORS, deny=DELETE_REPOSITORY, namespace="Git Repositories"),)
    assert found(run(warehouse, "perm.delete_repository", statements)) == set()


def test_administer_build_permissions_denied_on_one_pipeline(warehouse: Path) -> None:
    """An explicit deny on the pipeline's own token beats the allow inherited from the project."""
    statements = (deny_on_pipelines(ADMINISTER_BUILD_PERMISSIONS, ["oss-docs-ci"],
                                    f"a.identity_subject_descriptor = {JUDY}"),)
    assert found(run(warehouse, "perm.administer_build_permissions", statements)) == {"oss-cli-ci"}


def test_project_rename_by_a_group_inside_project_administrators(warehouse: Path) -> None:
    team = descriptor("groups", "[Data Platform]\\Data Platform Team")
    statements = (member_of(team, "[Data Platform]\\Project Administrators"),)
    assert found(run(warehouse, "perm.project_destructive", statements)) == set()


def test_group_membership_managers_inside_project_administrators(warehouse: Path) -> None:
    team = descriptor("groups", "[Payments]\\Payments Team")
    statements = (member_of(team, "[Payments]\\Project Administrators"),)
    assert found(run(warehouse, "perm.group_membership_managers", statements)) == set()


def test_group_membership_managers_on_one_group_token(warehouse: Path) -> None:
    """An entry on one group's token ({projectId}\\{groupId}) belongs to that project too."""
    team = descriptor("groups", "[Payments]\\Payments Team")
    statements = ("UPDATE azure_devops.access_control_lists SET token = token || '\\' || "
                  "(SELECT id FROM azure_devops.projects WHERE name = 'Payments') "
                  f"WHERE namespace_name = 'Identity' AND identity_subject_descriptor = {team}",)
    result = run(warehouse, "perm.group_membership_managers", statements)
    assert found(result) == {"Payments"}
    assert "on one group" in result.findings[0]["message"]


def test_production_admin_role_lowered(warehouse: Path) -> None:
    statements = ("UPDATE azure_devops.role_assignments SET role = 'User' WHERE resource_name = 'payments-prod' "
                  "AND identity_unique_name = 'olivia@contoso.com'",)
    assert found(run(warehouse, "perm.production_admin_roles", statements)) == set()


def test_reader_groups_write_removed(warehouse: Path) -> None:
    statements = ("UPDATE azure_devops.access_control_lists SET allow = allow & 1 WHERE identity_subject_descriptor IN "
                  "(SELECT descriptor FROM azure_devops.groups WHERE display_name = 'Project Valid Users')",)
    assert found(run(warehouse, "perm.reader_groups_write", statements)) == set()


def test_pipeline_editors_denied_on_the_pipelines(warehouse: Path) -> None:
    statements = (deny_on_pipelines(EDIT_PIPELINE, ["web-ci", "web-legacy-ci"],
                                    "a.identity_display_name NOT LIKE '%Administrators'"),)
    assert found(run(warehouse, "perm.pipeline_editors_production", statements)) == set()


def test_direct_user_powerful_removed(warehouse: Path) -> None:
    powerful = FORCE_PUSH | POLICY_EXEMPT | EDIT_PIPELINE | ADMINISTER_BUILD_PERMISSIONS
    statements = (set_bits(KARL, clear=powerful), set_bits(JUDY, clear=powerful))
    assert found(run(warehouse, "perm.direct_user_powerful", statements)) == set()


# ---- plumbing ------------------------------------------------------------------------------------------------


def test_rules_are_not_evaluable_where_the_permission_step_never_ran(demo_warehouse: Path) -> None:
    """Without the permission tables the vocabulary still installs and every perm.* rule says what is missing."""
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        for view in VIEW_TABLES:
            conn.execute(f"DROP VIEW azure_devops.{view}")
        for table in PERMISSION_TABLES:
            conn.execute(f"DROP TABLE azure_devops.{table}")
        results = evaluate(conn, list(RULES.values()), ORGANIZATION, ParameterConfig(), "run-1", suppressions=())
    for result in results:
        assert result.status is RuleStatus.NOT_EVALUABLE, (result.rule_id, result.status, result.reason)
        assert "effective_" in result.reason or "permission_objects" in result.reason, result.reason


def test_the_validation_warehouse_has_the_permission_tables_the_assets_write() -> None:
    assert permission_tables() == EVALUATED_TABLES


def test_every_perm_rule_requires_the_base_tables_of_the_views_it_reads() -> None:
    assert len(RULES) >= 10
    for rule in RULES.values():
        assert set(rule.requires) & set(PERMISSION_TABLES), rule.id
        assert not set(rule.requires) & set(view_tables()), rule.id


def test_a_rule_reading_a_view_must_require_the_tables_behind_it() -> None:
    text = """/*
id: custom.who_bypasses
title: Who bypasses
severity: low
resource_type: repositories
requires: [repositories]
*/
SELECT organization, user_descriptor AS resource_id, user_name AS resource_name, 'x' AS message
FROM azure_devops.effective_user_permissions"""
    with pytest.raises(ValueError, match="effective_permissions, permission_objects"):
        parse_rule(text, path=Path("x.sql"), source="custom", known_tables=[*catalog_tables(), *PERMISSION_TABLES])
