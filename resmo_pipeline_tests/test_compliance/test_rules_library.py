"""The library, agent and role vocabulary (vocabulary/library_roles.sql): each macro's matching and non-matching
cases, on a tiny hand-made warehouse."""

from collections.abc import Iterator

import duckdb
import pytest

from resmo_pipeline.compliance.vocabulary import rule_connection

from .test_vocabulary import _warehouse, scalar

BROAD = "['Contributors', 'Readers', 'Project Valid Users', 'Project Collection Valid Users']"


@pytest.fixture
def roles() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = _warehouse()
    conn.execute(
        """
        INSERT INTO azure_devops.role_assignments (organization, resource_id, resource_kind, resource_id_ref,
            resource_name, project_id, project_name, identity_display_name, identity_unique_name, role, access)
        VALUES
          ('a', '1', 'endpoint', 'e1', 'open-sc', 'p1', 'Web', 'Contributors', '[Web]\\Contributors',
           'Administrator', 'assigned'),
          ('a', '2', 'endpoint', 'e1', 'open-sc', 'p1', 'Web', 'Project Administrators',
           '[Web]\\Project Administrators', 'Administrator', 'inherited'),
          ('a', '3', 'endpoint', 'e2', 'reader-sc', 'p1', 'Web', 'Project Valid Users', '[Web]\\Project Valid Users',
           'Reader', 'assigned'),
          ('a', '4', 'endpoint', 'e3', 'inherited-sc', 'p1', 'Web', 'Contributors', '[Web]\\Contributors',
           'User', 'inherited'),
          ('a', '5', 'queue', '7', 'linux', 'p1', 'Web', 'Contributors', '[Web]\\Contributors', 'User', 'assigned'),
          ('a', '6', 'endpoint', 'e4', 'people-sc', 'p1', 'Web', 'Contributors Fan', 'fan@contoso.com', 'User',
           'assigned'),
          ('b', '7', 'endpoint', 'e9', 'other-org', 'p9', 'X', 'Contributors', '[X]\\Contributors', 'User',
           'assigned');
        """
    )
    yield conn
    conn.close()


def test_broad_role_grants_judges_assigned_roles_of_broad_groups(roles: duckdb.DuckDBPyConnection) -> None:
    with rule_connection(roles, "a") as conn:
        def names(sql: str) -> list[tuple[str, ...]]:
            return sorted(conn.execute(sql).fetchall())

        grants = f"broad_role_grants(['endpoint'], {BROAD}, ['Administrator', 'User'], {{}})"
        assert names(f"SELECT resource_name, grants FROM {grants.format('FALSE')}") == [
            ("open-sc", "[Web]\\Contributors (Administrator)")]
        assert names(f"SELECT resource_name FROM {grants.format('TRUE')}") == [("inherited-sc",), ("open-sc",)]
        assert names(f"SELECT resource_key FROM broad_role_grants(['queue'], {BROAD}, ['User'], FALSE)") == [
            ("p1/7",)]


def test_inherited_role_grants_lists_resources_with_inheritance_on(roles: duckdb.DuckDBPyConnection) -> None:
    with rule_connection(roles, "a") as conn:
        rows = conn.execute("SELECT resource_name, inherited_count FROM inherited_role_grants(['endpoint']) "
                            "ORDER BY 1").fetchall()
    assert rows == [("inherited-sc", 1), ("open-sc", 1)]


@pytest.mark.parametrize(("expression", "expected"), [
    ("agent_version_below('2.210.1', '3.0.0')", True),
    ("agent_version_below('3.248.0', '3.0.0')", False),
    ("agent_version_below('3.0.0', '3.0.0')", False),
    ("agent_version_below('10.1.0', '9.0.0')", False),
    ("agent_version_below(NULL, '3.0.0')", False),
    ("agent_version_below('dev-build', '3.0.0')", False),
    ("is_build_service('Payments Build Service (contoso)', 'contoso')", True),
    ("is_build_service('Project Collection Build Service (Contoso)', 'contoso')", True),
    ("is_build_service('[contoso]\\Project Collection Build Service Accounts', 'contoso')", True),
    ("is_build_service('Build Administrators', 'contoso')", False),
    ("role_holder('Contributors', '[Web]\\Contributors')", "[Web]\\Contributors"),
    ("role_holder('Payments Build Service (contoso)', '27728bc6-b3ba-45a5-9e86-73d41b450ac7')",
     "Payments Build Service (contoso)"),
    ("role_resource_key('environment', 'p1', '4')", "p1/4"),
    ("role_resource_key('endpoint', 'p1', 'e1')", "e1"),
    ("""is_branch_control('Task Check', '{"definitionRef": {"name": "evaluatebranchProtection"}}')""", True),
    ("""is_branch_control('Task Check', '{"definitionRef": {"name": "invokeRESTAPI"}}')""", False),
    ("is_branch_control('Approval', NULL)", False),
    ("""branch_control_branches('{"inputs": {"allowedBranches": "refs/heads/main, refs/heads/release/*,"}}')""",
     ["refs/heads/main", "refs/heads/release/*"]),
])
def test_library_scalar_macros(expression: str, expected: object) -> None:
    assert scalar(expression) == expected


def test_pipeline_authorized_resources_needs_open_access_or_an_authorized_pipeline() -> None:
    conn = _warehouse()
    conn.execute(
        """
        INSERT INTO azure_devops.pipeline_permissions (organization, resource_id, resource_type, resource_id_ref,
                                                       all_pipelines_authorized, authorized_pipeline_count)
        VALUES ('a', '1', 'variablegroup', 'open', TRUE, 0), ('a', '2', 'variablegroup', 'one', FALSE, 1),
               ('a', '3', 'variablegroup', 'none', FALSE, 0), ('a', '4', 'securefile', 'file', TRUE, NULL);
        """
    )
    with rule_connection(conn, "a") as scoped:
        rows = scoped.execute("SELECT resource_id_ref FROM pipeline_authorized_resources(['variablegroup']) "
                              "ORDER BY 1").fetchall()
    conn.close()
    assert rows == [("one",), ("open",)]
