"""The vocabulary of the build/release definition rules: ACL tokens, inheritance and broad-group grants."""

from collections.abc import Iterator

import duckdb
import pytest

from resmo_pipeline.compliance.loader import empty_warehouse
from resmo_pipeline.compliance.vocabulary import rule_connection

from .test_vocabulary import _warehouse

P = "p1"
BUILD_NS = "33344d9c-fc72-4d6f-aba5-fa317101a7e9"
BUILD_ACTIONS = ('[{"bit": 1, "name": "ViewBuilds"}, {"bit": 128, "name": "QueueBuilds"}, '
                 '{"bit": 2048, "name": "EditBuildDefinition"}, {"bit": 16384, "name": "AdministerBuildPermissions"}]')


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("pipeline_acl_token('p1', '\\', 7)", "p1/7"),
        ("pipeline_acl_token('p1', NULL, 7)", "p1/7"),
        ("pipeline_acl_token('p1', '\\ops\\deploy', 7)", "p1/ops/deploy/7"),
        ("token_prefixes('p1/ops/7')", ["p1", "p1/ops", "p1/ops/7"]),
        ("token_prefixes('p1')", ["p1"]),
    ],
)
def test_token_macros(expression: str, expected: object) -> None:
    conn = empty_warehouse()
    try:
        assert conn.execute(f"SELECT {expression}").fetchone()[0] == expected
    finally:
        conn.close()


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = _warehouse()
    yield conn
    conn.close()


def _acl(token: str, group: str, allow: int, inherit: bool = True) -> str:
    return (f"('a', '{token}/{group}', '{BUILD_NS}', 'Build', '{token}', {inherit}, 'x{group}', {allow}, 0, "
            f"{allow}, '{group}', TRUE)")


def test_group_permissions_take_the_nearest_entry_and_respect_broken_inheritance(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    entries = ", ".join([
        _acl(P, "contributors", 1 | 128 | 2048),  # project: Contributors may edit every pipeline
        _acl(P, "readers", 1),
        _acl(f"{P}/ops", "readers", 1 | 16384),  # folder \ops: Readers administer permissions there
        _acl(f"{P}/2", "contributors", 1 | 128),  # definition 2 narrows Contributors, still inherits
        _acl(f"{P}/3", "admins", 32767, inherit=False),  # definition 3 does not inherit at all
        _acl(f"{P}/locked", "admins", 32767, inherit=False),  # folder \locked cuts inheritance for what is in it
    ])
    warehouse.execute(f"""
        INSERT INTO azure_devops.security_namespaces (organization, resource_id, namespace_id, name, actions)
        VALUES ('a', 'build', '{BUILD_NS}', 'Build', '{BUILD_ACTIONS}');
        INSERT INTO azure_devops.groups (organization, resource_id, descriptor, display_name, project_id)
        VALUES ('a', 'c', 'contributors', 'Contributors', '{P}'), ('a', 'r', 'readers', 'Readers', '{P}'),
               ('a', 'ad', 'admins', 'Project Administrators', '{P}');
        INSERT INTO azure_devops.access_control_lists (organization, resource_id, namespace_id, namespace_name, token,
            inherit_permissions, descriptor, allow, deny, effective_allow, identity_subject_descriptor,
            identity_is_group)
        VALUES {entries};
        INSERT INTO azure_devops.build_definitions (organization, resource_id, project_id, project_name, id, name, path)
        VALUES ('a', 'd1', '{P}', 'Web', 1, 'inherits', '\\'), ('a', 'd2', '{P}', 'Web', 2, 'narrowed', '\\'),
               ('a', 'd3', '{P}', 'Web', 3, 'own', '\\'), ('a', 'd4', '{P}', 'Web', 4, 'in-folder', '\\ops'),
               ('a', 'd5', '{P}', 'Web', 5, 'in-locked-folder', '\\locked');
    """)
    broad = "['Contributors', 'Readers']"
    restricted = "['EditBuildDefinition', 'AdministerBuildPermissions']"
    with rule_connection(warehouse, "a") as conn:
        inherits = dict(conn.execute("SELECT name, inherits FROM secured_pipeline_objects() "
                                     "WHERE object_kind = 'build_definition'").fetchall())
        grants = conn.execute(f"SELECT name, group_name, granted FROM broad_group_grants(['build_definition'], "
                              f"{broad}, {restricted}) ORDER BY name, group_name").fetchall()
    assert inherits == {"inherits": True, "narrowed": True, "own": False, "in-folder": True,
                        "in-locked-folder": True}
    assert grants == [
        ("in-folder", "Contributors", ["EditBuildDefinition"]),
        ("in-folder", "Readers", ["AdministerBuildPermissions"]),
        ("inherits", "Contributors", ["EditBuildDefinition"]),
    ]
