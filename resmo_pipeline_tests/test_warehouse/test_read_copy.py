"""Publishing the read copy copies only the blocks a write changed, never rewrites a generation a reader holds,
and leaves each generation byte for byte equal to the checkpointed warehouse."""

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb

from resmo_pipeline.warehouse import read_copy
from resmo_pipeline.warehouse.access import (
    publish,
    publish_read_copy,
    read_connection,
    read_copy_path,
    write_connection,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill(warehouse: Path) -> None:
    with write_connection(warehouse, publish_after_s=None) as conn:
        conn.execute("CREATE SCHEMA azure_devops")
        # About 100 MB of incompressible text, as history makes a real warehouse big.
        conn.execute(
            "CREATE TABLE azure_devops.history_like AS SELECT i, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS s"
            " FROM range(3000000) AS t(i)"
        )
        conn.execute("CREATE TABLE azure_devops.projects AS SELECT i, 'project ' || i AS name FROM range(100) AS t(i)")


def _rename_projects(warehouse: Path, suffix: str) -> None:
    with write_connection(warehouse, publish_after_s=None) as conn:
        conn.execute("UPDATE azure_devops.projects SET name = 'project ' || i || ? WHERE i < 10", [suffix])


def _names(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM azure_devops.projects WHERE i < 10").fetchall()}


def _checkpointed_digest(warehouse: Path) -> str:
    conn = duckdb.connect(str(warehouse))
    conn.execute("CHECKPOINT")
    conn.close()
    return _digest(warehouse)


def test_a_small_change_copies_a_few_blocks_and_the_copy_equals_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _fill(warehouse)
    link = read_copy_path(warehouse)
    first = publish_read_copy(warehouse)  # generation a: a full copy
    _rename_projects(warehouse, " v2")
    second = publish_read_copy(warehouse)  # generation b: a full copy (it did not exist)
    assert {first.name, second.name} == {"warehouse.read.a.duckdb", "warehouse.read.b.duckdb"}

    _rename_projects(warehouse, " v3")
    digest = _checkpointed_digest(warehouse)
    size = warehouse.stat().st_size
    # Publish by hand to see what was copied: generation a is updated in place.
    result = read_copy.publish(warehouse, link, 262144)
    assert result.incremental and result.path == first
    assert result.copied_bytes < size / 20, (result.copied_bytes, size)
    assert _digest(result.path) == digest
    with read_connection(warehouse) as conn:
        assert _names(conn) == {f"project {i} v3" for i in range(10)}


def test_a_reader_keeps_its_snapshot_while_later_writes_are_published(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _fill(warehouse)
    publish_read_copy(warehouse)
    _rename_projects(warehouse, " v2")
    publish_read_copy(warehouse)
    with read_connection(warehouse) as held:  # holds generation b (v2)
        assert _names(held) == {f"project {i} v2" for i in range(10)}
        _rename_projects(warehouse, " v3")
        publish_read_copy(warehouse)  # a: in place
        _rename_projects(warehouse, " v4")
        publish_read_copy(warehouse)  # b is held: replaced by a full copy, the reader keeps its inode
        assert _names(held) == {f"project {i} v2" for i in range(10)}
        with read_connection(warehouse) as fresh:
            assert _names(fresh) == {f"project {i} v4" for i in range(10)}
    assert _digest(read_copy.current_generation(read_copy_path(warehouse))) == _checkpointed_digest(warehouse)


def test_an_old_single_file_read_copy_is_replaced_by_the_generations(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _fill(warehouse)
    link = read_copy_path(warehouse)
    link.write_bytes(warehouse.read_bytes())  # the layout before generations: a plain copy
    _rename_projects(warehouse, " v2")
    publish_read_copy(warehouse)
    assert link.is_symlink() and read_copy.current_generation(link).name == "warehouse.read.a.duckdb"
    with read_connection(warehouse) as conn:
        assert _names(conn) == {f"project {i} v2" for i in range(10)}


def test_a_generation_another_duckdb_client_reads_is_not_updated_in_place(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _fill(warehouse)
    publish_read_copy(warehouse)
    _rename_projects(warehouse, " v2")
    first = publish_read_copy(warehouse)
    # `duckdb -readonly warehouse.read.duckdb` in another process, holding generation b open.
    client = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True);"
         " print(c.execute(\"SELECT count(*) FROM azure_devops.projects WHERE name LIKE '% v2'\").fetchone()[0],"
         " flush=True); sys.stdin.read(); print(c.execute(\"SELECT count(*) FROM azure_devops.projects"
         " WHERE name LIKE '% v2'\").fetchone()[0], flush=True)", str(first)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert client.stdout.readline().strip() == "10"
        _rename_projects(warehouse, " v3")
        publish_read_copy(warehouse)  # a
        _rename_projects(warehouse, " v4")
        published = publish(warehouse)  # b is held by the client: a full copy
        assert published.path == first and not published.incremental
        out, _ = client.communicate("", timeout=30)
        assert out.strip() == "10"  # the client still reads its snapshot, undisturbed
    finally:
        client.kill()
