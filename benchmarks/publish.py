"""Publishing benchmark: what making a small write visible to readers costs on a big single-file warehouse.

Builds a warehouse of about --size-mb megabytes (incompressible history-like rows plus a small inventory table) in
a temporary folder, publishes twice (both read-copy generations exist), then --repeats times replaces one
organization's rows of the small table through ``write_connection`` and publishes. Prints one JSON object:

  warehouse_mb        size of the warehouse file
  publish_s           median seconds of publish_read_copy after the write (CHECKPOINT, changed blocks, link swap)
  copied_mb           median megabytes the publish copied
  full_copy_s         median seconds of copying the whole file (what publishing cost before generations)
  ratio_to_full_copy  publish_s / full_copy_s
  target_met          publish_s < 1.0

Usage: python benchmarks/publish.py --size-mb 2000 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from resmo_pipeline.warehouse.access import publish, publish_read_copy, write_connection

ROWS_PER_MB = 30_000  # md5 pairs: about 33 bytes a row once stored


def build(warehouse: Path, size_mb: int) -> None:
    with write_connection(warehouse, publish_after_s=None) as conn:
        conn.execute("CREATE SCHEMA azure_devops")
        conn.execute("CREATE SCHEMA history")
        conn.execute(
            "CREATE TABLE history.entitlements AS SELECT i, md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS raw"
            f" FROM range({size_mb * ROWS_PER_MB}) AS t(i)"
        )
        conn.execute(
            "CREATE TABLE azure_devops.projects AS SELECT 'org' || (i % 20) AS organization, i, 'project ' || i AS name"
            " FROM range(20000) AS t(i)"
        )


def replace_partition(warehouse: Path, version: int) -> None:
    with write_connection(warehouse, publish_after_s=None) as conn:
        conn.execute("DELETE FROM azure_devops.projects WHERE organization = 'org3'")
        conn.execute(
            "INSERT INTO azure_devops.projects SELECT 'org3', i, 'project ' || i || ' v' || ? FROM range(1000) AS t(i)",
            [version],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="resmo-publish-") as folder:
        warehouse = Path(folder) / "warehouse.duckdb"
        build(warehouse, args.size_mb)
        publish_read_copy(warehouse)
        replace_partition(warehouse, 0)
        publish_read_copy(warehouse)
        publish_s, copied, full_s = [], [], []
        for version in range(1, args.repeats + 1):
            replace_partition(warehouse, version)
            started = time.perf_counter()
            published = publish(warehouse)
            publish_s.append(time.perf_counter() - started)
            assert published.incremental, "a generation no reader holds is updated in place"
            copied.append(published.copied_bytes)
            started = time.perf_counter()
            shutil.copyfile(warehouse, Path(folder) / "full-copy.duckdb")
            full_s.append(time.perf_counter() - started)
            (Path(folder) / "full-copy.duckdb").unlink()
        publish_median = statistics.median(publish_s)
        full = statistics.median(full_s)
        print(json.dumps({
            "warehouse_mb": round(warehouse.stat().st_size / 2**20, 1),
            "publish_s": round(publish_median, 3),
            "publish_runs_s": [round(value, 3) for value in publish_s],
            "copied_mb": round(statistics.median(copied) / 2**20, 1),
            "full_copy_s": round(full, 3),
            "ratio_to_full_copy": round(publish_median / full, 3),
            "target_met": publish_median < 1.0,
        }, indent=2))


if __name__ == "__main__":
    main()
