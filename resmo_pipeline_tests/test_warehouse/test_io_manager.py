"""The warehouse IO manager on real Dagster runs and real DuckDB files."""

from pathlib import Path

import dagster as dg
import pandas as pd

from resmo_pipeline.warehouse.access import has_unpublished_writes, read_connection
from resmo_pipeline_tests.test_warehouse.support import (
    can_open_from_another_process,
    materialize,
    query,
    rows,
    table_asset,
)

REPOS = [{"id": 1, "name": "api", "size": 10}, {"id": 2, "name": "web", "size": 20}]


def test_insert_is_by_column_name_even_when_columns_are_reordered(instance, warehouse: Path) -> None:
    first = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS), metadata={"track_history": False})
    assert materialize([first], instance, warehouse, "contoso").success

    reordered = table_asset(
        "repositories",
        lambda ctx: rows(ctx.partition_key, REPOS)[
            ["raw", "size", "name", "resource_id", "fetched_at", "organization"]
        ],
        metadata={"track_history": False},
    )
    assert materialize([reordered], instance, warehouse, "contoso").success

    stored = query(warehouse, "SELECT organization, resource_id, name, size FROM azure_devops.repositories ORDER BY 2")
    assert stored == [
        ("contoso", "1", "api", 10),
        ("contoso", "2", "web", 20),
    ]


def test_a_new_column_is_added_in_place_and_old_rows_read_null(instance, warehouse: Path) -> None:
    old = table_asset("projects", lambda ctx: rows(ctx.partition_key, [{"id": "p1", "name": "one"}]))
    assert materialize([old], instance, warehouse, "contoso").success

    grown = table_asset(
        "projects", lambda ctx: rows(ctx.partition_key, [{"id": "p2", "name": "two", "visibility": "public"}])
    )
    result = materialize([grown], instance, warehouse, "fabrikam")
    assert result.success
    metadata = result.asset_materializations_for_node("azure_devops__projects")[0].metadata
    assert metadata["columns_added"].value == ["visibility"]

    assert query(warehouse, "SELECT organization, name, visibility FROM azure_devops.projects ORDER BY 1") == [
        ("contoso", "one", None),
        ("fabrikam", "two", "public"),
    ]


def test_asset_failure_leaves_the_partition_unchanged(instance, warehouse: Path) -> None:
    good = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS))
    assert materialize([good], instance, warehouse, "contoso").success

    def explode(ctx: dg.AssetExecutionContext) -> pd.DataFrame:
        raise RuntimeError("the API went away half-way")

    assert not materialize([table_asset("repositories", explode)], instance, warehouse, "contoso").success
    assert query(warehouse, "SELECT count(*) FROM azure_devops.repositories WHERE organization = 'contoso'") == [(2,)]


def test_insert_failure_rolls_back_delete_new_columns_and_history(instance, warehouse: Path) -> None:
    types = {"size": "BIGINT"}
    good = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS), metadata={"column_types": types})
    assert materialize([good], instance, warehouse, "contoso").success
    columns_before = query(warehouse, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'repositories'")
    history_before = query(warehouse, "SELECT count(*) FROM history.repositories")

    # "huge" cannot become a BIGINT, so the INSERT fails after the DELETE and the ALTER ran in the transaction.
    bad_items = [{"id": 3, "name": "x", "size": "huge", "topic": "new"}]
    bad = table_asset("repositories", lambda ctx: rows(ctx.partition_key, bad_items))
    assert not materialize([bad], instance, warehouse, "contoso").success

    assert query(warehouse, "SELECT resource_id, size FROM azure_devops.repositories ORDER BY 1") == [
        ("1", 10),
        ("2", 20),
    ]
    assert query(warehouse, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'repositories'") == (
        columns_before
    )
    assert query(warehouse, "SELECT count(*) FROM history.repositories") == history_before
    assert can_open_from_another_process(warehouse)


def test_two_organizations_side_by_side_and_replacing_one_keeps_the_other(instance, warehouse: Path) -> None:
    asset = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS))
    assert materialize([asset], instance, warehouse, "contoso").success
    assert materialize([asset], instance, warehouse, "fabrikam").success

    replacement = table_asset("repositories", lambda ctx: rows(ctx.partition_key, [{"id": 9, "name": "new"}]))
    assert materialize([replacement], instance, warehouse, "contoso").success

    assert query(warehouse, "SELECT organization, resource_id FROM azure_devops.repositories ORDER BY 1, 2") == [
        ("contoso", "9"),
        ("fabrikam", "1"),
        ("fabrikam", "2"),
    ]


def test_rows_of_another_organization_are_refused(instance, warehouse: Path) -> None:
    stray = table_asset("repositories", lambda ctx: rows("fabrikam", REPOS))
    result = materialize([stray], instance, warehouse, "contoso")
    assert not result.success
    assert not warehouse.exists() or query(
        warehouse, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'repositories'"
    ) == [(0,)]


def test_empty_frame_replaces_the_partition_and_creates_the_table_from_column_types(
    instance, warehouse: Path
) -> None:
    types = {"organization": "VARCHAR", "resource_id": "VARCHAR", "created": "TIMESTAMP", "raw": "JSON"}
    empty = table_asset(
        "feeds", lambda ctx: pd.DataFrame(columns=list(types)), metadata={"column_types": types}
    )
    assert materialize([empty], instance, warehouse, "contoso").success
    assert query(
        warehouse,
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'azure_devops' "
        "AND table_name = 'feeds' "
        "ORDER BY ordinal_position",
    ) == list(types.items())

    full = table_asset("feeds", lambda ctx: rows(ctx.partition_key, [{"id": "f1"}]), metadata={"column_types": types})
    assert materialize([full], instance, warehouse, "contoso").success
    assert materialize([empty], instance, warehouse, "contoso").success
    assert query(warehouse, "SELECT count(*) FROM azure_devops.feeds") == [(0,)]


def test_none_output_keeps_the_partition(instance, warehouse: Path) -> None:
    asset = table_asset("service_connections", lambda ctx: rows(ctx.partition_key, REPOS))
    assert materialize([asset], instance, warehouse, "contoso").success

    refused = table_asset("service_connections", lambda ctx: None)
    result = materialize([refused], instance, warehouse, "contoso")
    assert result.success
    assert query(warehouse, "SELECT count(*) FROM azure_devops.service_connections") == [(2,)]


def test_append_mode_replaces_rows_with_the_same_key_only(instance, warehouse: Path) -> None:
    options = {"write_mode": "append", "key_columns": ["resource_id"], "track_history": False}
    first = table_asset(
        "audit_log",
        lambda ctx: rows(ctx.partition_key, [{"id": "a1", "action": "x"}, {"id": "a2", "action": "y"}]),
        metadata=options,
    )
    assert materialize([first], instance, warehouse, "contoso").success
    assert materialize([first], instance, warehouse, "fabrikam").success

    later = table_asset(
        "audit_log",
        lambda ctx: rows(ctx.partition_key, [{"id": "a2", "action": "y2"}, {"id": "a3", "action": "z"}]),
        metadata=options,
    )
    assert materialize([later], instance, warehouse, "contoso").success

    assert query(
        warehouse, "SELECT organization, resource_id, action FROM azure_devops.audit_log ORDER BY 1, 2"
    ) == [
        ("contoso", "a1", "x"),
        ("contoso", "a2", "y2"),
        ("contoso", "a3", "z"),
        ("fabrikam", "a1", "x"),
        ("fabrikam", "a2", "y"),
    ]
    assert query(warehouse, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'history'") == [(0,)]


def test_run_time_output_metadata_sets_types_and_timestamps_are_naive_utc(instance, warehouse: Path) -> None:
    def produce(ctx: dg.AssetExecutionContext) -> dg.Output:
        frame = rows(ctx.partition_key, [{"id": 1}]).assign(
            created=pd.Timestamp("2026-03-01T10:00:00+02:00"), size=None
        )
        return dg.Output(frame, metadata={"column_types": {"size": "BIGINT", "raw": "JSON"}})

    asset = table_asset("secure_files", produce)
    assert materialize([asset], instance, warehouse, "contoso").success
    types = dict(
        query(
            warehouse,
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'secure_files' AND table_schema = 'azure_devops'",
        )
    )
    assert (types["size"], types["raw"], types["created"], types["fetched_at"]) == (
        "BIGINT",
        "JSON",
        "TIMESTAMP",
        "TIMESTAMP",
    )
    assert query(warehouse, "SELECT CAST(created AS VARCHAR) FROM azure_devops.secure_files") == [
        ("2026-03-01 08:00:00",)
    ]


def test_history_is_recorded_in_the_same_write_and_can_be_switched_off(instance, warehouse: Path) -> None:
    items = [{"id": 1, "name": "api"}, {"id": 2, "name": "web"}]
    asset = table_asset("repositories", lambda ctx: rows(ctx.partition_key, items))
    assert materialize([asset], instance, warehouse, "contoso").success
    items[0] = {"id": 1, "name": "api-v2"}
    result = materialize([asset], instance, warehouse, "contoso")
    assert result.asset_materializations_for_node("azure_devops__repositories")[0].metadata[
        "history_events"
    ].value == 1
    assert query(
        warehouse, "SELECT resource_id, change_type FROM history.changes ORDER BY event_seq"
    ) == [("1", "created"), ("2", "created"), ("1", "modified")]

    untracked = table_asset(
        "teams", lambda ctx: rows(ctx.partition_key, items), metadata={"track_history": False}
    )
    assert materialize([untracked], instance, warehouse, "contoso").success
    assert query(warehouse, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'teams'") == [(1,)]


def test_downstream_asset_loads_its_partition_with_connection_settings(instance, warehouse: Path) -> None:
    upstream = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS))
    assert materialize([upstream], instance, warehouse, "fabrikam").success

    @dg.asset(
        key=["azure_devops", "branches"],
        partitions_def=upstream.partitions_def,
        metadata={"partition_expr": "organization"},
        io_manager_key="warehouse",
        ins={"repositories": dg.AssetIn(key=["azure_devops", "repositories"])},
    )
    def branches(context: dg.AssetExecutionContext, repositories: pd.DataFrame) -> pd.DataFrame:
        return rows(context.partition_key, [{"id": f"{r}/main"} for r in repositories["resource_id"]])

    settings = {"threads": 1, "preserve_insertion_order": False}
    assert materialize([upstream, branches], instance, warehouse, "contoso", connection_config=settings).success
    assert query(warehouse, "SELECT resource_id FROM azure_devops.branches ORDER BY 1") == [("1/main",), ("2/main",)]


def test_read_copy_is_published_when_the_execution_ends(instance, warehouse: Path) -> None:
    assets = [
        table_asset(name, lambda ctx: rows(ctx.partition_key, REPOS)) for name in ("repositories", "projects")
    ]
    # Never publish after a write: only the end of the execution publishes.
    assert materialize(assets, instance, warehouse, "contoso", read_copy_interval_s=None).success
    assert not has_unpublished_writes(warehouse)
    with read_connection(warehouse) as conn:
        assert conn.execute(
            "SELECT (SELECT count(*) FROM azure_devops.repositories) + (SELECT count(*) FROM azure_devops.projects)"
        ).fetchall() == [(4,)]


def test_connection_is_closed_after_every_outcome(instance, warehouse: Path) -> None:
    good = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS))
    assert materialize([good], instance, warehouse, "contoso").success
    assert can_open_from_another_process(warehouse)

    broken = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS).assign(organization=None))
    assert not materialize([broken], instance, warehouse, "contoso").success
    assert can_open_from_another_process(warehouse)


def test_a_write_that_runs_out_of_duckdb_memory_is_written_again_with_more(
    instance, warehouse: Path, monkeypatch
) -> None:
    import duckdb

    from resmo_pipeline.warehouse import access
    from resmo_pipeline.warehouse.access import OUT_OF_MEMORY_RETRY_FACTOR
    from resmo_pipeline.warehouse.io_manager import ResmoPandasTypeHandler

    monkeypatch.setenv(access.WRITER_MEMORY_ENV, "64")
    limits: list[str] = []
    original = ResmoPandasTypeHandler.handle_output

    def tight_once(self, context, table_slice, obj, connection):  # the first write runs out, as a big type can
        limits.append(connection.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        if len(limits) == 1:
            connection.execute(f"INSERT INTO {table_slice.schema}.{table_slice.table} BY NAME SELECT * FROM obj")
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 16.0 MiB")
        return original(self, context, table_slice, obj, connection)

    good = table_asset("repositories", lambda ctx: rows(ctx.partition_key, REPOS))
    assert materialize([good], instance, warehouse, "contoso").success
    monkeypatch.setattr(ResmoPandasTypeHandler, "handle_output", tight_once)
    changed = [{"id": 1, "name": "api", "size": 11}]
    assert materialize([table_asset("repositories", lambda ctx: rows(ctx.partition_key, changed))],
                       instance, warehouse, "contoso").success
    # The first attempt (64 MB) was rolled back, the second one ran with OUT_OF_MEMORY_RETRY_FACTOR times the memory.
    assert len(limits) == 2 and OUT_OF_MEMORY_RETRY_FACTOR >= 2
    first, second = (float(limit.split()[0]) for limit in limits)
    assert second > (OUT_OF_MEMORY_RETRY_FACTOR - 0.5) * first
    assert query(warehouse, "SELECT resource_id, size FROM azure_devops.repositories ORDER BY 1") == [("1", 11)]
    assert access.writer_memory_limit() == "64MB"  # later writers are back to the configured limit
