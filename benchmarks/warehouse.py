"""Warehouse benchmark: what the read path and history cost on a large warehouse.

Builds a warehouse of about --size-mb megabytes (35 inventory-like tables) in a temporary folder and prints one
JSON object:

  warehouse_mb           size of the warehouse file
  publish_s              publishing the read copy (CHECKPOINT + file copy + rename), median of 3
  write_and_publish_s    one partition replace of a 30k-row table through write_connection, publishing after it
  write_debounced_s      the same write when the publish is debounced (marker only)
  reader_open_s          opening read_connection and answering a count(*) while a writer holds the warehouse
  history_initial_s      record_snapshot of --history-rows rows with no history yet (all "created")
  history_unchanged_s    record_snapshot again on identical data (no events)
  history_1pct_s         record_snapshot after 1% of the rows changed
  as_of_s                SELECT count(*) FROM history.as_of(...) over the resulting history

Usage: python benchmarks/warehouse.py --size-mb 200 --history-rows 30000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from resmo_pipeline.history.scd2 import record_snapshot
from resmo_pipeline.warehouse.access import publish_read_copy, read_connection, write_connection

TABLES = 35
HOLD_LOCK = "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.read()"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def fill(warehouse: Path, size_mb: int) -> None:
    # About 75 bytes per row on disk after compression for these random-ish columns.
    rows_per_table = max(1000, size_mb * 1_000_000 // 75 // TABLES)
    with write_connection(warehouse, publish_after_s=None) as conn:
        conn.execute("CREATE SCHEMA azure_devops")
        for index in range(TABLES):
            conn.execute(
                f"""CREATE TABLE azure_devops.type_{index} AS
                SELECT 'org' || (r % 3) AS organization, r::VARCHAR AS resource_id, md5(r::VARCHAR) AS name,
                       r % 97 AS size, now()::TIMESTAMP AS fetched_at,
                       json_object('id', md5(r::VARCHAR), 'name', md5((r * 7)::VARCHAR), 'n', r)::JSON AS raw
                FROM range({rows_per_table}) t(r)"""
            )


def replace_partition(warehouse: Path, rows: int, version: int, publish_after_s: float | None) -> None:
    with write_connection(warehouse, publish_after_s=publish_after_s) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS azure_devops.repositories AS SELECT * FROM azure_devops.type_0 LIMIT 0"
        )
        conn.execute("DELETE FROM azure_devops.repositories WHERE organization = 'contoso'")
        conn.execute(
            f"""INSERT INTO azure_devops.repositories
            SELECT 'contoso', r::VARCHAR, 'repo-' || r, CASE WHEN r % 100 < {version} THEN r + {version} ELSE r END,
                   now()::TIMESTAMP,
                   json_object('id', r::VARCHAR, 'name', 'repo-' || r,
                               'size', CASE WHEN r % 100 < {version} THEN r + {version} ELSE r END)::JSON
            FROM range({rows}) t(r)"""
        )


def history_step(warehouse: Path, rows: int, version: int, when: datetime) -> float:
    replace_partition(warehouse, rows, version, publish_after_s=None)
    with write_connection(warehouse, publish_after_s=None) as conn:
        return timed(lambda: record_snapshot(conn, "repositories", "contoso", f"run-{version}", when))


def reader_open_while_locked(warehouse: Path) -> float:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"

        def read() -> None:
            with read_connection(warehouse) as conn:
                conn.execute("SELECT count(*) FROM azure_devops.type_1").fetchall()

        return timed(read)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--history-rows", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        warehouse = Path(folder) / "warehouse.duckdb"
        fill(warehouse, args.size_mb)
        publish_s = statistics.median(timed(lambda: publish_read_copy(warehouse)) for _ in range(3))
        write_and_publish_s = timed(lambda: replace_partition(warehouse, args.history_rows, 0, publish_after_s=0))
        write_debounced_s = timed(lambda: replace_partition(warehouse, args.history_rows, 0, publish_after_s=None))
        publish_read_copy(warehouse)
        reader_open_s = reader_open_while_locked(warehouse)

        start = datetime(2026, 1, 1)
        history_initial_s = history_step(warehouse, args.history_rows, 0, start)
        history_unchanged_s = history_step(warehouse, args.history_rows, 0, start + timedelta(hours=1))
        history_1pct_s = history_step(warehouse, args.history_rows, 1, start + timedelta(hours=2))
        with write_connection(warehouse, publish_after_s=None) as conn:
            as_of_s = timed(
                lambda: conn.execute(
                    "SELECT count(*) FROM history.as_of('repositories', TIMESTAMP '2026-01-01 01:30')"
                ).fetchall()
            )
        print(
            json.dumps(
                {
                    "warehouse_mb": round(warehouse.stat().st_size / 1e6, 1),
                    "publish_s": round(publish_s, 3),
                    "write_and_publish_s": round(write_and_publish_s, 3),
                    "write_debounced_s": round(write_debounced_s, 3),
                    "reader_open_s": round(reader_open_s, 3),
                    "history_rows": args.history_rows,
                    "history_initial_s": round(history_initial_s, 3),
                    "history_unchanged_s": round(history_unchanged_s, 3),
                    "history_1pct_s": round(history_1pct_s, 3),
                    "as_of_s": round(as_of_s, 3),
                }
            )
        )


if __name__ == "__main__":
    main()
