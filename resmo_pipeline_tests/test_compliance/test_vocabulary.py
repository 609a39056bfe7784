"""The shared SQL vocabulary: each macro's violating and satisfying case, and organization scoping."""

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from resmo_pipeline.compliance.loader import builtin_rules, catalog_tables, empty_warehouse
from resmo_pipeline.compliance.vocabulary import macro_reference_markdown, macros, rule_connection

README = Path(__file__).parents[2] / "README.md"


def _warehouse() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:")
    conn.execute("CREATE SCHEMA azure_devops")
    for name, columns in catalog_tables().items():
        column_sql = ", ".join(f'"{column}" {kind}' for column, kind in columns.items())
        conn.execute(f'CREATE TABLE azure_devops."{name}" ({column_sql})')
    return conn


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = _warehouse()
    yield conn
    conn.close()


def scalar(sql: str) -> object:
    conn = empty_warehouse()
    try:
        return conn.execute(f"SELECT {sql}").fetchone()[0]
    finally:
        conn.close()


def test_every_macro_is_documented_in_its_file_and_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for macro in macros():
        assert macro.doc, macro.name
        assert f"`{macro.signature}`" in readme, macro.signature
    # The table is generated: after editing a macro's comment, paste macro_reference_markdown() into the README.
    assert macro_reference_markdown() in readme


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # policy scope on the default branch refs/heads/main of repository r1
        ("policy_scope_applies_to_default_branch(NULL, NULL, 'DefaultBranch', 'r1', 'refs/heads/main')", True),
        ("policy_scope_applies_to_default_branch('r1', 'refs/heads/main', 'Exact', 'r1', 'refs/heads/main')", True),
        ("policy_scope_applies_to_default_branch('r1', 'refs/heads/dev', 'Exact', 'r1', 'refs/heads/main')", False),
        ("policy_scope_applies_to_default_branch(NULL, 'refs/heads/', 'Prefix', 'r1', 'refs/heads/main')", True),
        ("policy_scope_applies_to_default_branch(NULL, 'refs/heads/rel', 'Prefix', 'r1', 'refs/heads/main')", False),
        ("policy_scope_applies_to_default_branch('r1', NULL, NULL, 'r1', 'refs/heads/main')", True),
        ("policy_scope_applies_to_default_branch('r2', NULL, NULL, 'r1', 'refs/heads/main')", False),
        ("policy_scope_applies_to_default_branch('r2', NULL, 'DefaultBranch', 'r1', 'refs/heads/main')", False),
        ("policy_is_on('true', 'false')", True),
        ("policy_is_on(NULL, 'false')", False),
        ("policy_is_on(NULL, NULL)", False),
        ("json_flag('{\"isSecret\": true}'::JSON, 'isSecret')", True),
        ("json_flag('{\"value\": \"x\"}'::JSON, 'isSecret')", False),
        ("older_than_days(utc_now() - INTERVAL 10 DAY, 5)", True),
        ("older_than_days(utc_now() - INTERVAL 1 DAY, 5)", False),
        ("older_than_days(NULL, 5)", False),
        ("days_since(utc_now() - INTERVAL 3 DAY)", 3),
        ("last_sign_in(TIMESTAMP '0001-01-01')", None),
        ("last_sign_in(TIMESTAMP '2024-05-01') = TIMESTAMP '2024-05-01'", True),
        ("is_inactive(utc_now() - INTERVAL 100 DAY, NULL, 90, 30)", True),
        ("is_inactive(utc_now() - INTERVAL 10 DAY, NULL, 90, 30)", False),
        ("is_inactive(NULL, utc_now() - INTERVAL 40 DAY, 90, 30)", True),
        ("is_inactive(NULL, utc_now() - INTERVAL 20 DAY, 90, 30)", False),
        ("identity_short_name('[Fabrikam]\\Contributors')", "Contributors"),
        ("identity_short_name('Alice')", "Alice"),
        (
            'broad_approvers(\'[{"displayName": "[p]\\\\Contributors"}, {"displayName": "Bob"}]\'::JSON,'
            " ['Contributors'])",
            ["Contributors"],
        ),
        ("broad_approvers('[{\"displayName\": \"Bob\"}]'::JSON, ['Contributors'])", []),
        (
            "group_label(NULL, 'Project Collection Administrators', '[org]\\Project Collection Administrators')",
            "Project Collection Administrators",
        ),
        (
            "group_label('p1', 'Project Administrators', '[Web]\\Project Administrators')",
            "[Web]\\Project Administrators",
        ),
        ("organization_url('contoso')", "https://dev.azure.com/contoso"),
        ("project_url('contoso', 'Web Shop')", "https://dev.azure.com/contoso/Web%20Shop"),
        (
            "repository_file_url('contoso', 'Web', 'shop', '/ci/build.yml', 12)",
            "https://dev.azure.com/contoso/Web/_git/shop?path=%2Fci%2Fbuild.yml&line=12&lineEnd=12"
            "&lineStartColumn=1&lineEndColumn=1&lineStyle=plain&_a=contents",
        ),
        ("repository_file_url('contoso', NULL, 'shop', 'a.yml', 1)", None),
        ("pipeline_resource_table('endpoint')", "service_connections"),
        ("pipeline_resource_table('something')", "pipeline_permissions"),
        ("pipeline_resource_label('queue')", "agent queue"),
    ],
)
def test_scalar_macros(expression: str, expected: object) -> None:
    assert scalar(expression) == expected


def test_table_macros_return_only_matching_rows(warehouse: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        """
        INSERT INTO azure_devops.pipeline_permissions (organization, resource_id, resource_type, resource_id_ref,
                                                       all_pipelines_authorized)
        VALUES ('a', 'open', 'endpoint', 'e1', TRUE), ('a', 'closed', 'endpoint', 'e2', FALSE),
               ('a', 'queue', 'queue', 'q1', TRUE), ('b', 'other-org', 'endpoint', 'e3', TRUE);
        INSERT INTO azure_devops.groups (organization, resource_id, descriptor, display_name, principal_name,
                                         project_id, is_admin_group)
        VALUES ('a', 'g1', 'd1', 'Project Administrators', '[Web]\\Project Administrators', 'p1', TRUE),
               ('a', 'g2', 'd2', 'Contributors', '[Web]\\Contributors', 'p1', FALSE);
        INSERT INTO azure_devops.user_entitlements (organization, resource_id, last_accessed_date, date_created)
        VALUES ('a', 'dormant', TIMESTAMP '2000-01-01', TIMESTAMP '1999-01-01'),
               ('a', 'never', TIMESTAMP '0001-01-01', TIMESTAMP '2000-01-01'),
               ('a', 'active', CAST(now() AS TIMESTAMP), TIMESTAMP '2000-01-01'),
               ('a', 'new', TIMESTAMP '0001-01-01', CAST(now() AS TIMESTAMP));
        INSERT INTO azure_devops.policy_configurations (organization, resource_id, type_id, is_enabled, is_blocking,
                                                        deleted, scope)
        VALUES ('a', 'on', 't', TRUE, TRUE, FALSE, '[{"repositoryId": "r1", "matchKind": "DefaultBranch"}]'),
               ('a', 'optional', 't', TRUE, FALSE, FALSE, '[{"repositoryId": "r2", "matchKind": "DefaultBranch"}]'),
               ('a', 'other-type', 'u', TRUE, TRUE, FALSE, '[{"repositoryId": "r3", "matchKind": "DefaultBranch"}]');
        INSERT INTO azure_devops.build_definitions (organization, resource_id, name, id, variables)
        VALUES ('a', 'b1', 'ci', 1, '{"token": {"value": "x", "isSecret": true}, "env": {"allowOverride": true}}'),
               ('b', 'b2', 'other-org', 2, '{"leak": {"value": "y"}}');
        INSERT INTO azure_devops.release_definitions (organization, resource_id, name, id, variables, environments)
        VALUES ('a', 'r1', 'deploy', 7, '{"region": {"value": "eu"}}',
                '[{"name": "dev"}, {"name": "prod", "variables": {"key": {"value": "k"}}}]'),
               ('b', 'r2', 'other-org', 8, NULL, '[{"name": "elsewhere"}]');
        INSERT INTO azure_devops.check_configurations (organization, resource_id, is_disabled)
        VALUES ('a', 'on', FALSE), ('a', 'unset', NULL), ('a', 'off', TRUE), ('b', 'other-org', FALSE);
        """
    )
    with rule_connection(warehouse, "a") as conn:

        def ids(sql: str) -> list[str]:
            return sorted(row[0] for row in conn.execute(sql).fetchall())

        assert ids("SELECT resource_id FROM open_to_all_pipelines(['endpoint'])") == ["open"]
        assert ids("SELECT resource_id FROM open_to_all_pipelines(['endpoint', 'queue'])") == ["open", "queue"]
        assert ids("SELECT group_name FROM privileged_groups()") == ["[Web]\\Project Administrators"]
        assert ids("SELECT resource_id FROM inactive_users(90, 30)") == ["dormant", "never"]
        assert ids("SELECT scope_repository_id FROM enforced_policy_scopes('t')") == ["r1"]
        assert ids("SELECT variable FROM definition_variables()") == ["env", "region", "token"]
        assert ids("SELECT variable FROM definition_variables() WHERE is_secret") == ["token"]
        assert ids("SELECT variable FROM definition_variables() WHERE allow_override") == ["env"]
        assert ids("SELECT id FROM definition_variables() WHERE resource_type = 'release_definitions'") == ["7"]
        assert ids("SELECT stage ->> 'name' FROM release_stages()") == ["dev", "prod"]
        assert ids("SELECT resource_id FROM enabled_checks()") == ["on", "unset"]


def test_rule_connection_scopes_every_table_to_the_organization_and_leaves_no_trace(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE SCHEMA azure_devops; CREATE SCHEMA meta; CREATE TABLE meta.notes (x INT)")
    conn.execute("CREATE TABLE azure_devops.projects (organization VARCHAR, resource_id VARCHAR, name VARCHAR)")
    conn.execute("INSERT INTO azure_devops.projects VALUES ('a', 'p1', 'Web'), ('b', 'p2', 'Api')")
    cursor = conn.cursor()
    with rule_connection(cursor, "b"):
        assert cursor.execute("SELECT resource_id FROM azure_devops.projects").fetchall() == [("p2",)]
        assert cursor.execute("SELECT count(*) FROM meta.notes").fetchall() == [(0,)]  # other schemas still read
        assert cursor.execute("SELECT count(*) FROM azure_devops.repositories").fetchall() == [(0,)]  # not collected
    assert cursor.execute("SELECT count(*) FROM azure_devops.projects").fetchall() == [(2,)]  # restored
    cursor.close()
    conn.close()
    conn = duckdb.connect(str(path))
    assert conn.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]
    assert conn.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'utc_now'").fetchall() == [(0,)]
    databases = conn.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal").fetchall()
    assert databases == [("w",)]
    conn.close()


def test_no_built_in_rule_shows_a_parameter_placeholder() -> None:
    # What stays is code the user must read as is: Azure Pipelines syntax ($(var), $[ expr ], ${{ expr }})
    # and upper-case shell variables ("$BRANCH"); rule parameters are lower-case snake_case.
    pipeline_syntax = re.compile(r"\$(?=[(\[{])|\$[A-Z][A-Z0-9_]*\b")
    for rule in builtin_rules():
        for field, text in rule.rendered().items():
            assert "$" not in pipeline_syntax.sub("", text), (rule.id, field, text)
    inactive = builtin_rules().get("users.inactive")
    assert "for 90 days" in inactive.rendered()["description"]
    assert "for 45 days" in inactive.rendered({"inactive_days": 45})["description"]


def _without_pipeline_syntax(text: str) -> str:
    return re.sub(r"\$(?=[(\[{])|\$[A-Z][A-Z0-9_]*\b", "", text)


def test_dagster_check_and_sarif_texts_show_parameter_values() -> None:
    from resmo_pipeline.compliance.checks import build_compliance_check
    from resmo_pipeline.compliance.exports import _sarif_rule

    for rule in builtin_rules():
        (spec,) = build_compliance_check(rule).check_specs
        assert "$" not in _without_pipeline_syntax(spec.description or ""), (rule.id, spec.description)
        sarif = _sarif_rule(
            {
                "rule_id": rule.id,
                "check_name": rule.check_name,
                "title": rule.title,
                "description": rule.description,
                "rationale": rule.rationale,
                "remediation": rule.remediation,
                "severity": rule.severity.value,
                "resource_type": rule.resource_type,
                "anchors": dict(rule.anchors),
                "params": dict(rule.params),
            }
        )
        texts = [sarif["shortDescription"]["text"], sarif["fullDescription"]["text"], sarif["help"]["text"]]
        assert all("$" not in _without_pipeline_syntax(text) for text in texts), (rule.id, texts)
    (spec,) = build_compliance_check(builtin_rules().get("users.inactive")).check_specs
    assert "90 days" in (spec.description or "")


def test_vocabulary_files_are_created_after_the_files_whose_macros_they_call() -> None:
    from resmo_pipeline.compliance.model import strip_sql_comments_and_strings
    from resmo_pipeline.compliance.vocabulary import vocabulary_files

    defined_in = {macro.name: macro.file for macro in macros()}
    created: set[str] = set()
    for path in vocabulary_files():
        code = strip_sql_comments_and_strings(path.read_text(encoding="utf-8"))
        called = {name.lower() for name in re.findall(r"\b([A-Za-z_]\w*)\s*\(", code)}
        needed = {defined_in[name] for name in called if name in defined_in} - {path.name}
        assert needed <= created, (path.name, needed - created)
        created.add(path.name)
    assert vocabulary_files()[0].name == "common.sql"


def test_a_table_macro_two_rules_need_is_computed_once_and_answers_the_same(demo_warehouse: Path) -> None:
    from resmo_pipeline.compliance.vocabulary import cache_shared_table_macros, macros_called

    # path_branch_pushers() reaches path_secured_objects() through path_effective_allows(): found transitively.
    assert {"path_effective_allows", "path_secured_objects"} <= macros_called("SELECT * FROM path_branch_pushers()")
    queries = ["SELECT subject FROM path_branch_pushers()", "SELECT count(*) FROM path_branch_pushers()",
               "SELECT * FROM enabled_checks()"]
    conn = duckdb.connect(str(demo_warehouse))
    try:
        with rule_connection(conn, "contoso"):
            before = sorted(conn.execute("SELECT * FROM path_branch_pushers()").fetchall())
            cached = cache_shared_table_macros(conn, queries)
            assert "path_branch_pushers" in cached and "enabled_checks" not in cached  # used once: not cached
            assert sorted(conn.execute("SELECT * FROM path_branch_pushers()").fetchall()) == before and before
            temp = conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '_resmo_cache_%'"
            ).fetchall()
            assert ("_resmo_cache_path_branch_pushers",) in temp
    finally:
        conn.close()
