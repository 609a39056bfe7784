"""The repository vocabulary (vocabulary/repos.sql): Git security tokens, permission grants, policy coverage and
service hook targets, each with a matching and a non-matching case."""

from collections.abc import Iterator

import duckdb
import pytest

from resmo_pipeline.compliance.loader import catalog_tables, empty_warehouse
from resmo_pipeline.compliance.vocabulary import rule_connection

GIT = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"


def _hex(name: str) -> str:
    return name.encode("utf-16-le").hex()


def scalar(sql: str) -> object:
    conn = empty_warehouse()
    try:
        return conn.execute(f"SELECT {sql}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect(":memory:")
    conn.execute("CREATE SCHEMA azure_devops")
    for name, columns in catalog_tables().items():
        column_sql = ", ".join(f'"{column}" {kind}' for column, kind in columns.items())
        conn.execute(f'CREATE TABLE azure_devops."{name}" ({column_sql})')
    yield conn
    conn.close()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"git_ref_segment('{_hex('main')}')", "main"),
        (f"git_ref_segment('{_hex('Übung')}')", "Übung"),
        ("is_build_service_identity('Web Build Service (contoso)', NULL)", True),
        ("is_build_service_identity(NULL, 'Microsoft.TeamFoundation.ServiceIdentity;c1:Build:p1')", True),
        ("is_build_service_identity('[Web]\\Contributors', 'Microsoft.TeamFoundation.Identity;S-1-9')", False),
        ("service_hook_target_trusted('webHooks', 'contoso.webhook.office.com', [], ['office.com'])", True),
        ("service_hook_target_trusted('webHooks', 'evil-office.com', [], ['office.com'])", False),
        ("service_hook_target_trusted('azureStorageQueue', NULL, ['azureStorageQueue'], [])", True),
        ("service_hook_target_trusted('webHooks', NULL, ['azureStorageQueue'], ['office.com'])", False),
        ("service_hook_label('webHooks', 'git.push', 'ci.example.com')", "webHooks git.push to ci.example.com"),
        ("service_hook_label('azureStorageQueue', 'build.complete', NULL)", "azureStorageQueue build.complete"),
        (
            "repository_settings_url('contoso', 'Web Shop', 'r1', 'policiesMid')",
            "https://dev.azure.com/contoso/Web%20Shop/_settings/repositories?repo=r1&_a=policiesMid",
        ),
        ("pull_request_url('contoso', 'Web', 'shop', 7)", "https://dev.azure.com/contoso/Web/_git/shop/pullrequest/7"),
    ],
)
def test_scalar_macros(expression: str, expected: object) -> None:
    assert scalar(expression) == expected


def test_git_tokens_grants_and_policy_coverage(warehouse: duckdb.DuckDBPyConnection) -> None:
    actions = (
        '[{"bit": 2, "name": "GenericRead"}, {"bit": 4, "name": "GenericContribute"}, '
        '{"bit": 8, "name": "ForcePush"}, {"bit": 128, "name": "PolicyExempt"}]'
    )
    warehouse.execute(
        f"""
        INSERT INTO azure_devops.security_namespaces (organization, resource_id, namespace_id, name, actions)
        VALUES ('a', '{GIT}', '{GIT}', 'Git Repositories', '{actions}');
        INSERT INTO azure_devops.access_control_lists (organization, resource_id, namespace_id, token,
                                                       inherit_permissions, descriptor, allow, deny,
                                                       identity_display_name)
        VALUES ('a', '1', '{GIT}', 'repoV2/p1', TRUE, 'd1', 6, 0, '[Web]\\Contributors'),
               ('a', '2', '{GIT}', 'repoV2/p1/r1', FALSE, 'd2', 2, 0, 'Web Build Service (a)'),
               ('a', '3', '{GIT}', 'repoV2/p1/r1/refs/heads/', TRUE, 'd2', 8, 0, 'Web Build Service (a)'),
               ('a', '4', '{GIT}', 'repoV2/p1/r1/refs/heads/{_hex("release")}/{_hex("1.0")}/', TRUE, 'd2', 132, 0,
                'Web Build Service (a)');
        INSERT INTO azure_devops.repositories (organization, resource_id, id, name, project_id, project_name,
                                               default_branch, is_disabled)
        VALUES ('a', 'r1', 'r1', 'shop', 'p1', 'Web', 'refs/heads/main', FALSE),
               ('a', 'r2', 'r2', 'docs', 'p1', 'Web', 'refs/heads/main', FALSE),
               ('a', 'r3', 'r3', 'old', 'p1', 'Web', 'refs/heads/main', TRUE);
        INSERT INTO azure_devops.policy_configurations (organization, resource_id, project_id, type_id, is_enabled,
                                                        is_blocking, deleted, scope)
        VALUES ('a', 'c', 'p1', 't', TRUE, TRUE, FALSE, '[{{"repositoryId": "r1", "refName": "refs/heads/main",
                                                             "matchKind": "Exact"}}]');
        """
    )
    with rule_connection(warehouse, "a") as conn:

        def rows(sql: str) -> list[tuple[object, ...]]:
            return sorted(conn.execute(sql).fetchall())

        assert rows("SELECT token, level, token_repository_id, ref_name FROM git_acl_entries()") == [
            ("repoV2/p1", "project", None, None),
            ("repoV2/p1/r1", "repository", "r1", None),
            ("repoV2/p1/r1/refs/heads/", "branch", "r1", "refs/heads/"),
            (f"repoV2/p1/r1/refs/heads/{_hex('release')}/{_hex('1.0')}/", "branch", "r1", "refs/heads/release/1.0"),
        ]
        assert rows("SELECT identity_display_name, granted FROM git_permission_grants('project', "
                    "['GenericContribute', 'ForcePush'])") == [("[Web]\\Contributors", ["GenericContribute"])]
        assert rows("SELECT ref_name, who FROM build_service_grants('branch', ['ForcePush', 'PolicyExempt'])") == [
            ("refs/heads/", "Web Build Service (a) (ForcePush)"),
            ("refs/heads/release/1.0", "Web Build Service (a) (PolicyExempt)"),
        ]
        assert rows("SELECT * FROM git_permission_grants('repository', ['GenericContribute'])") == []
        assert rows("SELECT resource_name FROM active_repositories('settingsMid')") == [("docs",), ("shop",)]
        assert rows("SELECT resource_name FROM repositories_without_enforced_policy('t')") == [("docs",)]
        assert rows("SELECT repository_id FROM default_branch_policies('t')") == [("r1",)]
