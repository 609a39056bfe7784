"""Helpers for warehouse tests: small partitioned assets written through the real IO manager, and checks."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from resmo_pipeline.warehouse.io_manager import ResmoDuckDBIOManager

ORGANIZATIONS = dg.DynamicPartitionsDefinition(name="organizations")


def table_asset(
    name: str,
    produce: Callable[[dg.AssetExecutionContext], Any],
    *,
    schema: str = "azure_devops",
    metadata: dict[str, Any] | None = None,
) -> dg.AssetsDefinition:
    """A partitioned asset ``schema/name`` whose body is ``produce(context)``, stored by the warehouse IO manager."""

    @dg.asset(
        key=[schema, name],
        partitions_def=ORGANIZATIONS,
        metadata={"partition_expr": "organization", **(metadata or {})},
        io_manager_key="warehouse",
    )
    # No return annotation: the body returns a DataFrame, an Output or None, and Dagster would type-check it.
    def _asset(context: dg.AssetExecutionContext):
        return produce(context)

    return _asset


def materialize(
    assets: list[dg.AssetsDefinition],
    instance: dg.DagsterInstance,
    database: Path,
    organization: str,
    **io_manager_config: Any,
) -> dg.ExecuteInProcessResult:
    """Materialize ``assets`` for one organization; failures are returned, not raised."""
    return dg.materialize(
        assets,
        instance=instance,
        partition_key=organization,
        resources={"warehouse": ResmoDuckDBIOManager(database=str(database), **io_manager_config)},
        raise_on_error=False,
    )


def query(database: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the warehouse file itself (nothing else has it open during assertions)."""
    conn = duckdb.connect(str(database), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def can_open_from_another_process(database: Path) -> bool:
    """True when a separate process can open the warehouse read-write (no leaked connection holds the lock)."""
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).close(); print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code, str(database)], capture_output=True, text=True, timeout=60, check=False
    )
    return result.returncode == 0 and result.stdout.strip() == "ok"


def rows(organization: str, items: list[dict[str, Any]]) -> pd.DataFrame:
    """Inventory-style rows: organization, resource_id, typed columns from ``items`` and raw JSON."""
    return pd.DataFrame(
        [
            {
                "organization": organization,
                "resource_id": str(item["id"]),
                **{k: v for k, v in item.items() if k != "id"},
                "fetched_at": pd.Timestamp("2026-11-28T00:00:00Z"),
                "raw": json.dumps(item),
            }
            for item in items
        ]
    )
