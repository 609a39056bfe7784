"""The warehouse as a Dagster resource: short reads and bookkeeping writes beside the IO manager's table writes.

Assets read their parents' stored rows and where incremental types resume through it, and record each
collection in ``meta.collection_runs``; compliance checks read the warehouse through it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from resmo_pipeline.warehouse.access import open_warehouse, write_connection
from resmo_pipeline.warehouse.schema import qualified_name, quote_identifier, record_collection_run, table_exists


class WarehouseResource(dg.ConfigurableResource):
    """Short reads and bookkeeping writes on the warehouse file, beside the IO manager's table writes."""

    path: str

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # The run's own process writes this file, so it reads the file itself, not the published read copy
        # (which may lag behind the types written earlier in the same run).
        conn = open_warehouse(self.path)
        try:
            yield conn
        finally:
            conn.close()

    def organization_rows(self, table: str, organization: str) -> pd.DataFrame:
        """One organization's current rows of ``azure_devops.<table>`` (empty when never collected)."""
        with self._reading() as conn:
            if not table_exists(conn, "azure_devops", table):
                return pd.DataFrame()
            return conn.execute(
                f"select * from {qualified_name('azure_devops', table)} where organization = ?", [organization]
            ).df()

    def newest(self, table: str, column: str, organization: str) -> datetime | None:
        """The largest ``column`` value stored for one organization (where an incremental type resumes)."""
        with self._reading() as conn:
            if not table_exists(conn, "azure_devops", table):
                return None
            found = conn.execute(
                f"select max({quote_identifier(column)}) from {qualified_name('azure_devops', table)} "
                "where organization = ?",
                [organization],
            ).fetchall()
        return found[0][0]

    def record_collection_run(self, **fields: Any) -> None:
        """Append one row to ``meta.collection_runs`` (fields as ``warehouse.schema.record_collection_run``)."""
        # Readers see it with the run's next table publish; no extra copy of the warehouse for bookkeeping.
        with write_connection(self.path, publish_after_s=None) as conn:
            record_collection_run(conn, **fields)
