"""Rows survive the warehouse: a DuckDB table created from `column_types` takes the frame by name, and parent
rows read back from it drive the same fan-out as the in-memory ones (the path the Dagster assets take)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.catalog import RESOURCE_TYPES, Call
from resmo_pipeline.catalog.model import col
from resmo_pipeline.inventory.collect import CollectionResult, collect_all
from resmo_pipeline.inventory.rows import build_frame, build_table, empty_frame, parent_rows_from_frame
from resmo_pipeline.simulator import Simulator

TYPES = ["pipeline_permissions", "branches", "agents", "feed_permissions", "team_members", "personal_access_tokens"]


@pytest.fixture(scope="module")
def results(simulator: Simulator) -> dict[str, CollectionResult]:
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url) as api:
        return collect_all(api, TYPES)


@pytest.fixture
def warehouse(tmp_path: Path, results: dict[str, CollectionResult]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("SET TimeZone = 'UTC'; CREATE SCHEMA azure_devops")
    for name, result in results.items():
        columns = ", ".join(f'"{column}" {kind}' for column, kind in result.column_types.items())
        connection.execute(f"CREATE TABLE azure_devops.{name} ({columns})")
        connection.register("frame", result.rows)
        connection.execute(f"INSERT INTO azure_devops.{name} BY NAME SELECT * FROM frame")
        connection.unregister("frame")
    yield connection
    connection.close()


def call_key(call: Call) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return sorted(call.path_params.items()), sorted(call.params.items())


def test_frames_load_into_their_declared_tables(warehouse: duckdb.DuckDBPyConnection,
                                                results: dict[str, CollectionResult]) -> None:
    for name, result in results.items():
        back = warehouse.execute(f"SELECT * FROM azure_devops.{name} ORDER BY resource_id").df()
        assert len(back) == len(result.rows)
        assert list(back.columns) == RESOURCE_TYPES[name].column_names
    null_json = warehouse.execute(
        "SELECT count(*) FROM azure_devops.repositories WHERE raw IS NULL OR json_valid(raw) = false"
    ).fetchone()
    assert null_json == (0,)
    typed = warehouse.execute(
        "SELECT typeof(size), typeof(is_disabled), typeof(fetched_at) FROM azure_devops.repositories LIMIT 1"
    ).fetchone()
    assert typed == ("BIGINT", "BOOLEAN", "TIMESTAMP")


def test_parent_rows_from_the_warehouse_drive_the_same_fan_out(warehouse: duckdb.DuckDBPyConnection,
                                                               results: dict[str, CollectionResult]) -> None:
    for name in TYPES:
        rt = RESOURCE_TYPES[name]
        for fan in rt.fan_out:
            if fan.parent is None:
                continue
            from_memory = fan.calls(results[fan.parent].parent_rows())
            loaded = warehouse.execute(f"SELECT * FROM azure_devops.{fan.parent}").df()
            from_warehouse = fan.calls(parent_rows_from_frame(loaded))
            assert sorted(map(call_key, from_memory)) == sorted(map(call_key, from_warehouse)), (name, fan.parent)
            assert len(from_memory) > 0, (name, fan.parent)


def test_parent_rows_have_plain_values() -> None:
    rt = RESOURCE_TYPES["agent_pools"]
    frame, _ = build_frame(rt, [({"id": 3, "name": "linux", "isHosted": False, "size": None}, {})], "org",
                           pd.Timestamp("2026-01-01").to_pydatetime())
    (row,) = parent_rows_from_frame(frame)
    assert row["id"] == 3 and type(row["id"]) is int
    assert row["is_hosted"] is False and row["size"] is None
    assert row["raw"] == {"id": 3, "name": "linux", "isHosted": False, "size": None}
    assert parent_rows_from_frame(empty_frame(rt)) == []


def test_parent_rows_kept_from_the_values_match_the_frame_for_every_column_type() -> None:
    """NULL in every form (a missing value, NaN for a number, year 1 for a timestamp) and every DuckDB type."""
    base = RESOURCE_TYPES["agent_pools"]
    rt = replace(base, columns=(*base.columns, col("score", "DOUBLE", path="score"),
                                col("created", "TIMESTAMP", path="created"), col("tags", "JSON", path="tags")))
    items = [{"id": 3, "name": "linux", "isHosted": "true", "size": "4", "score": "NaN",
              "created": "0001-01-01T00:00:00Z", "tags": ["a"]},
             {"id": 4, "name": None, "isHosted": False, "score": 1.5, "created": "2026-03-01T10:00:00.1234567Z"}]
    table = build_table(rt, [(item, {}) for item in items], "org", pd.Timestamp("2026-01-01").to_pydatetime())
    kept = table.parent_rows()
    assert kept[0]["score"] is None and kept[1]["score"] == 1.5 and kept[0]["created"] is None
    typed = [[(name, type(value).__name__, value) for name, value in row.items()] for row in kept]
    assert typed == [[(name, type(value).__name__, value) for name, value in row.items()]
                     for row in parent_rows_from_frame(table.frame)]
