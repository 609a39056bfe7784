"""Tables that evolve in place, the collection bookkeeping, and purging one organization."""

import datetime as dt
from pathlib import Path

import pytest

from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.schema import ensure_table, purge_organization, record_collection_run, table_columns
from resmo_pipeline_tests.test_warehouse.support import query


def test_ensure_table_creates_then_only_adds_missing_columns(warehouse: Path) -> None:
    with write_connection(warehouse) as conn:
        assert ensure_table(conn, "compliance", "findings", {"organization": "VARCHAR", "rule_id": "VARCHAR"}) == [
            "organization",
            "rule_id",
        ]
        conn.execute("INSERT INTO compliance.findings VALUES ('contoso', 'sc.x')")
        added = ensure_table(
            conn, "compliance", "findings", {"rule_id": "VARCHAR", "first_seen": "TIMESTAMP", "tags": "JSON"}
        )
        assert added == ["first_seen", "tags"]
        assert table_columns(conn, "compliance", "findings") == {
            "organization": "VARCHAR",
            "rule_id": "VARCHAR",
            "first_seen": "TIMESTAMP",
            "tags": "JSON",
        }
    assert query(warehouse, "SELECT * FROM compliance.findings") == [("contoso", "sc.x", None, None)]


def test_record_collection_run_stores_each_outcome_in_utc(warehouse: Path) -> None:
    started = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    finished = started + dt.timedelta(seconds=3)
    with write_connection(warehouse) as conn:
        record_collection_run(
            conn, organization="contoso", resource_type="repositories", run_id="r1", started_at=started,
            finished_at=finished, status="collected", rows=12, requests=3, retries=1, throttled_s=0.5,
        )
        record_collection_run(
            conn, organization="contoso", resource_type="service_connections", run_id="r1", started_at=started,
            finished_at=finished, status="not_collected", error="403: access denied",
            required_scope="vso.serviceendpoint",
        )
        with pytest.raises(ValueError, match="Unknown collection status"):
            record_collection_run(
                conn, organization="contoso", resource_type="x", run_id="r1", started_at=started,
                finished_at=finished, status="skipped",  # type: ignore[arg-type]
            )
    assert query(
        warehouse,
        "SELECT resource_type, status, rows, requests, retries, throttled_s, required_scope, "
        "CAST(started_at AS VARCHAR) FROM meta.collection_runs ORDER BY resource_type",
    ) == [
        ("repositories", "collected", 12, 3, 1, 0.5, None, "2026-11-28 10:00:00"),
        ("service_connections", "not_collected", None, None, None, None, "vso.serviceendpoint", "2026-11-28 10:00:00"),
    ]


def test_purge_organization_deletes_exactly_that_organization_everywhere(warehouse: Path) -> None:
    with write_connection(warehouse) as conn:
        for schema, table in [("azure_devops", "repositories"), ("history", "changes"), ("meta", "collection_runs")]:
            ensure_table(conn, schema, table, {"organization": "VARCHAR", "resource_id": "VARCHAR"})
            conn.execute(f"INSERT INTO {schema}.{table} VALUES ('contoso', '1'), ('contoso', '2'), ('fabrikam', '1')")
        ensure_table(conn, "meta", "settings", {"key": "VARCHAR"})
        conn.execute("INSERT INTO meta.settings VALUES ('kept')")
        conn.execute("CREATE VIEW azure_devops.repository_names AS SELECT * FROM azure_devops.repositories")

        deleted = purge_organization(conn, "contoso")

    assert deleted == {"azure_devops.repositories": 2, "history.changes": 2, "meta.collection_runs": 2}
    for table in deleted:
        assert query(warehouse, f"SELECT DISTINCT organization FROM {table}") == [("fabrikam",)]
    assert query(warehouse, "SELECT * FROM meta.settings") == [("kept",)]
