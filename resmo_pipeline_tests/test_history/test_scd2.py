"""SCD2 history and change events on real DuckDB files."""

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from resmo_pipeline.history.scd2 import record_snapshot
from resmo_pipeline.warehouse.access import read_connection, write_connection

T0 = dt.datetime(2026, 11, 1, 12, 0)


def hours(n: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute(
        "CREATE SCHEMA azure_devops; CREATE TABLE azure_devops.repositories (organization VARCHAR, "
        "resource_id VARCHAR, name VARCHAR, size BIGINT, fetched_at TIMESTAMP, raw JSON)"
    )
    yield connection
    connection.close()


def put(conn: duckdb.DuckDBPyConnection, organization: str, items: list[dict[str, Any]]) -> None:
    """Replace the organization's current rows, as the IO manager does before recording history."""
    conn.execute("DELETE FROM azure_devops.repositories WHERE organization = ?", [organization])
    for item in items:
        conn.execute(
            "INSERT INTO azure_devops.repositories VALUES (?, ?, ?, ?, now(), ?)",
            [organization, item["id"], item.get("name"), item.get("size"), json.dumps(item)],
        )


def snapshot(conn: duckdb.DuckDBPyConnection, when: dt.datetime, organization: str = "contoso", **kw: Any) -> int:
    return record_snapshot(conn, "repositories", organization, f"run-{when:%H}", when, **kw)


def events(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    return conn.execute(
        "SELECT resource_id, resource_name, change_type, changed_fields, run_id FROM history.changes ORDER BY event_seq"
    ).fetchall()


def test_created_modified_deleted_and_recreated(conn: duckdb.DuckDBPyConnection) -> None:
    put(conn, "contoso", [{"id": "1", "name": "api", "size": 1}, {"id": "2", "name": "web"}])
    assert snapshot(conn, hours(0)) == 2
    put(conn, "contoso", [{"id": "1", "name": "api", "size": 5}])
    assert snapshot(conn, hours(1)) == 2
    put(conn, "contoso", [{"id": "1", "name": "api", "size": 5}, {"id": "2", "name": "web"}])
    assert snapshot(conn, hours(2)) == 1

    assert events(conn) == [
        ("1", "api", "created", None, "run-12"),
        ("2", "web", "created", None, "run-12"),
        ("2", "web", "deleted", None, "run-13"),
        ("1", "api", "modified", '[{"field":"size","before":1,"after":5}]', "run-13"),
        ("2", "web", "created", None, "run-14"),
    ]
    versions = conn.execute(
        "SELECT resource_id, valid_from, valid_to, is_deleted, size FROM history.repositories ORDER BY 1, 2"
    ).fetchall()
    assert versions == [
        ("1", hours(0), hours(1), False, 1),
        ("1", hours(1), None, False, 5),
        ("2", hours(0), hours(1), False, None),
        ("2", hours(1), hours(2), True, None),
        ("2", hours(2), None, False, None),
    ]


def test_identical_data_and_reordered_json_keys_produce_no_events(conn: duckdb.DuckDBPyConnection) -> None:
    put(conn, "contoso", [{"id": "1", "name": "api", "size": 1}])
    assert snapshot(conn, hours(0)) == 1
    assert snapshot(conn, hours(1)) == 0
    conn.execute(
        "UPDATE azure_devops.repositories SET raw = ?", [json.dumps({"size": 1, "name": "api", "id": "1"})]
    )
    assert snapshot(conn, hours(2)) == 0
    assert conn.execute("SELECT count(*) FROM history.repositories").fetchall() == [(1,)]


def test_ignored_fields_neither_make_a_change_nor_show_in_changed_fields(conn: duckdb.DuckDBPyConnection) -> None:
    put(conn, "contoso", [{"id": "1", "name": "api", "lastSeen": "a"}])
    assert snapshot(conn, hours(0), ignore_fields=["lastSeen"]) == 1
    put(conn, "contoso", [{"id": "1", "name": "api", "lastSeen": "b"}])
    assert snapshot(conn, hours(1), ignore_fields=["lastSeen"]) == 0
    put(conn, "contoso", [{"id": "1", "name": "api2", "lastSeen": "c"}])
    assert snapshot(conn, hours(2), ignore_fields=["lastSeen"]) == 1
    changed = json.loads(events(conn)[-1][3])
    assert changed == [{"field": "name", "before": "api", "after": "api2"}]


def test_nested_values_and_added_or_removed_keys_are_reported(conn: duckdb.DuckDBPyConnection) -> None:
    put(conn, "contoso", [{"id": "1", "name": "api", "project": {"id": "p", "visibility": "private"}, "old": 1}])
    snapshot(conn, hours(0))
    put(conn, "contoso", [{"id": "1", "name": "api", "project": {"id": "p", "visibility": "public"}, "new": True}])
    assert snapshot(conn, hours(1)) == 1
    assert json.loads(events(conn)[-1][3]) == [
        {"field": "new", "before": None, "after": True},
        {"field": "old", "before": 1, "after": None},
        {"field": "project", "before": {"id": "p", "visibility": "private"},
         "after": {"id": "p", "visibility": "public"}},
    ]


def test_other_organizations_are_left_alone(conn: duckdb.DuckDBPyConnection) -> None:
    put(conn, "contoso", [{"id": "1", "name": "api"}])
    put(conn, "fabrikam", [{"id": "1", "name": "api"}])
    snapshot(conn, hours(0), "contoso")
    snapshot(conn, hours(0), "fabrikam")
    put(conn, "contoso", [])
    assert snapshot(conn, hours(1), "contoso") == 1
    assert conn.execute(
        "SELECT organization, count(*) FILTER (valid_to IS NULL AND NOT is_deleted) FROM history.repositories "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall() == [("contoso", 0), ("fabrikam", 1)]


def test_history_table_grows_with_the_current_table(conn: duckdb.DuckDBPyConnection) -> None:
    put(conn, "contoso", [{"id": "1", "name": "api"}])
    snapshot(conn, hours(0))
    conn.execute("ALTER TABLE azure_devops.repositories ADD COLUMN visibility VARCHAR")
    conn.execute(
        "UPDATE azure_devops.repositories SET visibility = 'public', raw = ?",
        [json.dumps({"id": "1", "name": "api", "v": 1})],
    )
    assert snapshot(conn, hours(1)) == 1
    assert conn.execute("SELECT visibility FROM history.repositories ORDER BY valid_from").fetchall() == [
        (None,),
        ("public",),
    ]


def test_as_of_macro_and_changes_view_through_the_read_path(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    for hour, items in enumerate([[{"id": "1", "name": "api"}], [{"id": "1", "name": "api2"}], []]):
        with write_connection(warehouse) as conn:
            conn.execute(
                "CREATE SCHEMA IF NOT EXISTS azure_devops; CREATE TABLE IF NOT EXISTS azure_devops.repositories "
                "(organization VARCHAR, resource_id VARCHAR, name VARCHAR, size BIGINT, fetched_at TIMESTAMP, raw JSON)"
            )
            put(conn, "contoso", items)
            snapshot(conn, hours(hour))

    with read_connection(warehouse) as reader:

        def as_of(when: str) -> list[tuple]:
            return reader.execute(
                f"SELECT resource_id, name FROM history.as_of('repositories', TIMESTAMP '{when}') "
                "WHERE organization = 'contoso'"
            ).fetchall()

        assert as_of("2026-11-01 11:59") == []
        assert as_of("2026-11-01 12:30") == [("1", "api")]
        assert as_of("2026-11-01 13:00") == [("1", "api2")]
        assert as_of("2026-11-01 14:00") == []
        assert reader.execute(
            "SELECT change_type FROM history.repositories_changes ORDER BY event_seq"
        ).fetchall() == [("created",), ("modified",), ("deleted",)]


def test_many_candidates_are_compared_in_batches_under_a_small_memory_limit(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    from resmo_pipeline.history import scd2

    padding = "x" * 2000  # large raw documents, as build definitions are
    count = scd2._COMPARE_BATCH * 2 + 7
    put(conn, "contoso", [{"id": str(i), "name": f"r{i}", "size": 1, "blob": padding} for i in range(count)])
    assert snapshot(conn, hours(0)) == count
    conn.execute("SET memory_limit = '64MB'")
    # Every row is a candidate (key order changed), a third of them really changed.
    conn.execute("DELETE FROM azure_devops.repositories")
    for i in range(count):
        item = {"blob": padding, "size": 2 if i % 3 == 0 else 1, "name": f"r{i}", "id": str(i)}
        conn.execute(
            "INSERT INTO azure_devops.repositories VALUES ('contoso', ?, ?, ?, now(), ?)",
            [str(i), item["name"], item["size"], json.dumps(item)],
        )
    changed = sum(1 for i in range(count) if i % 3 == 0)
    assert snapshot(conn, hours(1)) == changed
    modified = [e for e in events(conn) if e[2] == "modified"]
    assert len(modified) == changed
    assert {e[3] for e in modified} == {'[{"field":"size","before":1,"after":2}]'}
    assert conn.execute("SELECT count(*) FROM history.repositories WHERE valid_to IS NULL").fetchall() == [(count,)]


def test_a_resource_id_listed_twice_is_one_version(conn: duckdb.DuckDBPyConnection) -> None:
    put(conn, "contoso", [{"id": "1", "name": "api", "size": 1}, {"id": "1", "name": "api", "size": 1},
                          {"id": "2", "name": "web"}])
    assert snapshot(conn, hours(0)) == 2
    assert conn.execute("SELECT resource_id, count(*) FROM history.repositories GROUP BY 1 ORDER BY 1").fetchall() == [
        ("1", 1), ("2", 1)]
