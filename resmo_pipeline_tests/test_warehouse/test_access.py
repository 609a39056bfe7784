"""Writers wait for each other and always clean up; readers never block or break a writer, nor see half a write."""

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from resmo_pipeline.warehouse.access import (
    WarehouseLockedError,
    WarehouseNotFoundError,
    has_unpublished_writes,
    read_connection,
    read_copy_path,
    write_connection,
)
from resmo_pipeline_tests.test_warehouse.support import can_open_from_another_process, materialize, table_asset

# Holds the warehouse open read-write (as another sync or a careless SQL client would) until stdin closes.
LOCK_HOLDER = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
conn.close()
"""

# Keeps one read connection open the whole time, and re-opens the read path in a loop until told to stop,
# checking that every snapshot is whole: ROWS rows, all of one version.
READER = """
import json, os, sys
from resmo_pipeline.warehouse.access import read_connection
path, stop_file, expected_rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
SQL = "SELECT count(*), min(version), max(version) FROM azure_devops.snapshots"
seen, torn = set(), []
def look(conn):
    count, low, high = conn.execute(SQL).fetchall()[0]
    if count != expected_rows or low != high:
        torn.append([count, low, high])
    seen.add(low)
    return low
with read_connection(path) as held:
    first = look(held)
    print("ready", flush=True)
    while not os.path.exists(stop_file):
        with read_connection(path) as conn:
            look(conn)
    with read_connection(path) as conn:
        last = look(conn)
    held_again = look(held)
print(json.dumps({"torn": torn, "versions": sorted(seen), "last": last, "held": [first, held_again]}))
"""

ROWS = 10_000


@contextmanager
def lock_held_by_another_process(database: Path) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def write_version(database: Path, version: int, **options: object) -> None:
    with write_connection(database, **options) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS azure_devops")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS azure_devops.snapshots (organization VARCHAR, id BIGINT, version BIGINT)"
        )
        conn.execute("DELETE FROM azure_devops.snapshots")
        conn.execute(f"INSERT INTO azure_devops.snapshots SELECT 'contoso', range, {version} FROM range({ROWS})")


def test_write_connection_commits_or_rolls_back_and_always_closes(warehouse: Path) -> None:
    write_version(warehouse, 1)
    with pytest.raises(RuntimeError), write_connection(warehouse) as conn:
        conn.execute("DELETE FROM azure_devops.snapshots")
        raise RuntimeError("a bug after the delete")
    assert can_open_from_another_process(warehouse)
    with read_connection(warehouse) as conn:
        assert conn.execute("SELECT count(*), max(version) FROM azure_devops.snapshots").fetchall() == [(ROWS, 1)]


def test_a_writer_waits_for_the_lock_and_gives_up_with_a_clear_error(warehouse: Path) -> None:
    write_version(warehouse, 1)
    with lock_held_by_another_process(warehouse):
        with pytest.raises(WarehouseLockedError) as error:
            write_version(warehouse, 2, lock_timeout_s=0.3)
        assert "locked by another process" in str(error.value) and "PID" in str(error.value)

        outcome: list[BaseException | None] = []
        waiting = threading.Thread(target=lambda: outcome.append(_capture(write_version, warehouse, 3)))
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive(), "the writer cannot have finished while the lock is held"
    waiting.join(timeout=60)
    assert outcome == [None]
    with read_connection(warehouse) as conn:
        assert conn.execute("SELECT max(version) FROM azure_devops.snapshots").fetchall() == [(3,)]


def _capture(function, *args: object) -> BaseException | None:
    try:
        function(*args)
    except BaseException as error:
        return error
    return None


def test_reader_answers_from_the_last_copy_while_a_writer_holds_the_warehouse(warehouse: Path) -> None:
    write_version(warehouse, 1)
    write_version(warehouse, 2, publish_after_s=None)
    assert has_unpublished_writes(warehouse)
    with lock_held_by_another_process(warehouse), read_connection(warehouse, timeout_s=0) as conn:
        assert conn.execute("SELECT max(version) FROM azure_devops.snapshots").fetchall() == [(1,)]
    # Once the warehouse is free, the reader publishes the pending write itself.
    with read_connection(warehouse) as conn:
        assert conn.execute("SELECT max(version) FROM azure_devops.snapshots").fetchall() == [(2,)]
    assert not has_unpublished_writes(warehouse)


def test_reader_errors_clearly_without_a_warehouse_or_a_first_copy(warehouse: Path) -> None:
    with pytest.raises(WarehouseNotFoundError, match="resmo-pipeline sync"), read_connection(warehouse):
        pass
    duckdb.connect(str(warehouse)).close()
    with (
        lock_held_by_another_process(warehouse),
        pytest.raises(WarehouseLockedError, match="first time"),
        read_connection(warehouse, timeout_s=0.3),
    ):
        pass
    assert not read_copy_path(warehouse).exists()


def test_readers_never_break_writers_nor_see_partial_writes(instance, warehouse: Path, tmp_path: Path) -> None:
    write_version(warehouse, 0)
    stop_file = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(stop_file), str(ROWS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        for version in range(1, 13):
            write_version(warehouse, version)
        # The Dagster IO manager path too, publishing after every write.
        frame = pd.DataFrame({"organization": "contoso", "id": range(ROWS)})
        for version in (13, 14):
            asset = table_asset("snapshots", lambda ctx, v=version: frame.assign(version=v))
            assert materialize([asset], instance, warehouse, "contoso", read_copy_interval_s=0).success
    finally:
        stop_file.touch()
        output, _ = reader.communicate(timeout=60)
    assert reader.returncode == 0
    report = json.loads(output.strip().splitlines()[-1])
    assert report["torn"] == []
    assert report["last"] == 14
    assert report["held"] == [0, 0], "an open reader keeps the snapshot it opened"
    assert len(report["versions"]) >= 2


def test_writes_of_one_process_take_turns_and_its_readers_never_wait(warehouse: Path) -> None:
    write_version(warehouse, 1)
    inside, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with write_connection(warehouse) as conn:
            conn.execute("UPDATE azure_devops.snapshots SET version = 2")
            inside.set()
            release.wait(timeout=60)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert inside.wait(timeout=60)
        with pytest.raises(WarehouseLockedError, match="another write of this process"):
            write_version(warehouse, 3, lock_timeout_s=0.2)
        with read_connection(warehouse, timeout_s=0) as conn:
            assert conn.execute("SELECT max(version) FROM azure_devops.snapshots").fetchall() == [(1,)]
    finally:
        release.set()
        writer.join(timeout=60)
    with read_connection(warehouse) as conn:
        assert conn.execute("SELECT max(version) FROM azure_devops.snapshots").fetchall() == [(2,)]
