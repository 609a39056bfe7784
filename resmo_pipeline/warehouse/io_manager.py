"""The Dagster IO manager that writes inventory DataFrames into the DuckDB warehouse, safely.

Built on dagster-duckdb's ``DuckDBIOManager`` with our own client and pandas handler, which fix what the stock
pandas handler gets wrong: each output is written in ONE transaction (schema and table created, new columns
added, the partition's rows deleted, the new rows inserted BY NAME, history recorded) that is rolled back on any
error, and the connection is always closed. Table = last asset-key segment, schema = the key prefix
(``["azure_devops", "repositories"]`` -> ``azure_devops.repositories``).

Output options (handed with the rows as ``WriteOnce(frame, options)``, else the output's run-time metadata, else
the asset's metadata; the first wins). Options passed with the rows stay out of the materialization's metadata,
which is what people read in the UI:

- ``partition_expr``: the partition column, ``"organization"`` for the inventory (required when partitioned).
- ``column_types``: ``{column: DuckDB type}`` used to create the table and add columns (else inferred from the
  DataFrame). Timestamps are stored as ``TIMESTAMP`` holding naive UTC; tz-aware values are converted.
- ``write_mode``: ``"replace"`` (default: the partition's rows are replaced) or ``"append"`` with
  ``key_columns: [...]`` (new rows added, rows of the same key in the partition replaced, others kept).
- ``track_history``: for ``azure_devops.*`` tables in replace mode, history is recorded in the same transaction
  unless this is False; ``history_ignore_fields``: top-level raw keys left out of change detection.

An output value of ``None`` writes nothing and keeps the partition as it is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster._core.storage.db_io_manager import (
    DbClient,
    DbIOManager,
    DbTypeHandler,
    TablePartitionDimension,
    TableSlice,
    static_where_clause,
)
from dagster_duckdb import DuckDBIOManager
from pydantic import Field

from resmo_pipeline.history.scd2 import CURRENT_SCHEMA, record_snapshot
from resmo_pipeline.warehouse import access
from resmo_pipeline.warehouse.schema import ensure_table, qualified_name, quote_identifier, table_exists

log = logging.getLogger(__name__)

WRITE_MODES = ("replace", "append")
# Publishing at the end of an execution should not hold a finished run for long: if another writer holds the
# warehouse, that writer publishes when it is done (and readers catch up on their own).
_TEARDOWN_PUBLISH_TIMEOUT_S = 5.0


#: The options the rows being written were handed with (``WriteOnce.options``), while the IO manager writes them.
_WRITE_OPTIONS: ContextVar[Mapping[str, Any] | None] = ContextVar("resmo_write_options", default=None)


def output_option(context: dg.OutputContext, key: str, default: Any = None) -> Any:
    """An output option handed with the rows, else from run-time output metadata, else the asset's metadata, else
    ``default``."""
    for source in (_WRITE_OPTIONS.get() or {}, _runtime_metadata(context), context.definition_metadata or {}):
        if key in source:
            value = source[key]
            return value.value if isinstance(value, dg.MetadataValue) else value
    return default


def _runtime_metadata(context: dg.OutputContext) -> Mapping[str, Any]:
    try:
        return context.output_metadata or {}
    except dg.DagsterInvariantViolationError:
        return {}


def _write_mode(context: dg.OutputContext) -> str:
    mode = output_option(context, "write_mode", "replace")
    if mode not in WRITE_MODES:
        raise ValueError(f"Unknown write_mode {mode!r} for {context.asset_key}; expected one of {WRITE_MODES}.")
    return mode


def _partition_clause(dimensions: Sequence[TablePartitionDimension] | None) -> str:
    # Dynamic (and static) partition keys only: the warehouse is partitioned by organization.
    return " AND ".join(static_where_clause(dimension) for dimension in dimensions or ())


def _table(table_slice: TableSlice) -> str:
    return qualified_name(table_slice.schema, table_slice.table)


class ResmoDuckDbClient(DbClient):
    """Opens one transaction per output (see :func:`access.write_connection`) and a plain connection per load."""

    @staticmethod
    def delete_table_slice(context: dg.OutputContext, table_slice: TableSlice, connection: Any) -> None:
        if _write_mode(context) != "replace" or not table_exists(connection, table_slice.schema, table_slice.table):
            return
        clause = _partition_clause(table_slice.partition_dimensions)
        connection.execute(f"DELETE FROM {_table(table_slice)}" + (f" WHERE {clause}" if clause else ""))

    @staticmethod
    def ensure_schema_exists(context: dg.OutputContext, table_slice: TableSlice, connection: Any) -> None:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(table_slice.schema)}")

    @staticmethod
    def get_table_name(table_slice: TableSlice) -> str:
        """``dagster/table_name``: the table as SQL names it (``azure_devops.projects``), not the file's path."""
        return f"{table_slice.schema}.{table_slice.table}"

    @staticmethod
    def get_select_statement(table_slice: TableSlice) -> str:
        columns = ", ".join(quote_identifier(c) for c in table_slice.columns) if table_slice.columns else "*"
        clause = _partition_clause(table_slice.partition_dimensions)
        return f"SELECT {columns} FROM {_table(table_slice)}" + (f" WHERE {clause}" if clause else "")

    @staticmethod
    @contextmanager
    def connect(context: dg.OutputContext | dg.InputContext, table_slice: TableSlice) -> Iterator[Any]:
        config = context.resource_config or {}
        database = config["database"]
        lock_timeout_s = config.get("lock_timeout_s", access.DEFAULT_LOCK_TIMEOUT_S)
        settings = config.get("connection_config") or {}
        if isinstance(context, dg.OutputContext):
            with access.write_connection(
                database, lock_timeout_s=lock_timeout_s, publish_after_s=config.get("read_copy_interval_s")
            ) as conn:
                _apply_settings(conn, settings)
                yield conn
        else:
            conn = access.open_warehouse(database, lock_timeout_s=lock_timeout_s)
            try:
                _apply_settings(conn, settings)
                yield conn
            finally:
                conn.close()


def _apply_settings(connection: Any, settings: Mapping[str, Any]) -> None:
    """Apply ``connection_config`` as session settings (the file is opened with one configuration process-wide)."""
    for name, value in settings.items():
        literal = str(value).lower() if isinstance(value, bool) else f"'{str(value).replace(chr(39), chr(39) * 2)}'"
        connection.execute(f"SET {quote_identifier(name)} = {literal}")


def _frame_types(connection: Any, relation: str) -> dict[str, str]:
    types: dict[str, str] = {}
    for name, type_, *_ in connection.execute(f"DESCRIBE SELECT * FROM {quote_identifier(relation)}").fetchall():
        if type_ == '"NULL"' or type_ == "NULL":
            type_ = "VARCHAR"  # an all-None column says nothing about its type
        elif type_.startswith("TIMESTAMP WITH TIME ZONE"):
            type_ = "TIMESTAMP"
        types[name] = type_
    return types


def _with_partition_column(
    context: dg.OutputContext, table_slice: TableSlice, frame: pd.DataFrame
) -> pd.DataFrame:
    """Fill a missing partition column from the key, and refuse rows that belong to another partition."""
    if not table_slice.partition_dimensions:
        return frame
    dimension = table_slice.partition_dimensions[0]
    keys = list(dimension.partitions)
    column = dimension.partition_expr
    if column not in frame.columns:
        if len(keys) != 1:
            raise ValueError(f"{context.asset_key}: the DataFrame has no {column!r} column to split partitions.")
        return frame.assign(**{column: keys[0]})
    strays = set(frame[column].dropna().unique()) - set(keys) if len(frame) else set()
    if strays or (len(frame) and frame[column].isna().any()):
        raise ValueError(
            f"{context.asset_key}: rows with {column} {sorted(map(str, strays)) or ['NULL']} do not belong to "
            f"partition(s) {keys}; nothing was written."
        )
    return frame


class ResmoPandasTypeHandler(DbTypeHandler[pd.DataFrame]):
    """Writes a DataFrame by column name, evolving the table; loads a partition (or everything) as a DataFrame."""

    def handle_output(
        self, context: dg.OutputContext, table_slice: TableSlice, obj: pd.DataFrame, connection: Any
    ) -> Mapping[str, Any]:
        frame = _with_partition_column(context, table_slice, obj)
        relation = f"_resmo_frame_{uuid.uuid4().hex}"
        connection.register(relation, frame)
        try:
            column_types = {**_frame_types(connection, relation), **(output_option(context, "column_types") or {})}
            ordered = dict.fromkeys([*(output_option(context, "column_types") or {}), *column_types])
            added = ensure_table(
                connection, table_slice.schema, table_slice.table, {name: column_types[name] for name in ordered}
            )
            mode = _write_mode(context)
            if mode == "append":
                self._delete_same_keys(context, table_slice, relation, connection)
            connection.execute(f"INSERT INTO {_table(table_slice)} BY NAME SELECT * FROM {quote_identifier(relation)}")
        finally:
            connection.unregister(relation)
        # The row count says the rows were written; what was written how stays in the step's log, not in entries.
        metadata: dict[str, Any] = {"dagster/row_count": len(frame)}
        if added:
            metadata["columns_added"] = added
        if mode == "replace" and table_slice.schema == CURRENT_SCHEMA and output_option(context, "track_history", True):
            metadata["history_events"] = self._record_history(context, table_slice, connection)
        return metadata

    @staticmethod
    def _delete_same_keys(context: dg.OutputContext, table_slice: TableSlice, relation: str, connection: Any) -> None:
        key_columns = list(output_option(context, "key_columns") or ())
        if not key_columns:
            return
        matches = " AND ".join(
            f"f.{quote_identifier(c)} IS NOT DISTINCT FROM t.{quote_identifier(c)}" for c in key_columns
        )
        clause = _partition_clause(table_slice.partition_dimensions)
        connection.execute(
            f"DELETE FROM {_table(table_slice)} AS t WHERE "
            + (f"{clause} AND " if clause else "")
            + f"EXISTS (SELECT 1 FROM {quote_identifier(relation)} AS f WHERE {matches})"
        )

    @staticmethod
    def _record_history(context: dg.OutputContext, table_slice: TableSlice, connection: Any) -> int:
        if not table_slice.partition_dimensions:
            return 0
        ignore = tuple(output_option(context, "history_ignore_fields") or ())
        detected_at = datetime.now(UTC)
        return sum(
            record_snapshot(connection, table_slice.table, organization, context.run_id, detected_at, ignore)
            for organization in table_slice.partition_dimensions[0].partitions
        )

    def load_input(self, context: dg.InputContext, table_slice: TableSlice, connection: Any) -> pd.DataFrame:
        if not table_exists(connection, table_slice.schema, table_slice.table):
            # Never collected (e.g. refused by permissions): downstream assets see no rows rather than a crash.
            return pd.DataFrame(columns=list(table_slice.columns or ()))
        return connection.execute(ResmoDuckDbClient.get_select_statement(table_slice)).df()

    @property
    def supported_types(self) -> Sequence[type[object]]:
        return [pd.DataFrame]


class WriteOnce:
    """Rows an asset hands to the warehouse IO manager, which takes them out when it writes them.

    Dagster keeps every step's output value until the run ends when a job runs through ``execute_in_process``
    (the CLI's sync does; it captures outputs for ``output_for_node``). Returning the frame itself made a sync
    hold every type's rows for its whole length: on the large preset about 500 MB, and the peak RSS grew with
    the organization. The IO manager empties this holder, so only a small object stays captured.
    """

    def __init__(self, frame: pd.DataFrame, options: Mapping[str, Any] | None = None) -> None:
        self._frame: pd.DataFrame | None = frame
        self.rows = len(frame)
        #: Output options for the IO manager (``column_types``, ``write_mode``, ...; see the module docstring).
        self.options: Mapping[str, Any] = dict(options or {})

    def take(self) -> pd.DataFrame:
        """The rows; a second call is a bug (they were written and let go)."""
        frame, self._frame = self._frame, None
        if frame is None:
            raise RuntimeError("these rows were already written and let go")
        return frame

    def __repr__(self) -> str:
        return f"WriteOnce({self.rows} rows{'' if self._frame is not None else ', written'})"


class ResmoDbIOManager(DbIOManager):
    """``DbIOManager`` that treats a ``None`` output as "keep what is there" and always loads DataFrames."""

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        options: Mapping[str, Any] = {}
        if isinstance(obj, WriteOnce):
            options, obj = obj.options, obj.take()
        if obj is None:
            context.log.info(f"No data for {context.asset_key}: the warehouse keeps its earlier rows.")
            return
        token = _WRITE_OPTIONS.set(options)
        try:
            access.retry_out_of_memory(
                lambda: super(ResmoDbIOManager, self).handle_output(context, obj),
                lambda message: context.log.warning(f"{context.asset_key.to_user_string()}: {message}"),
            )
        finally:
            _WRITE_OPTIONS.reset(token)

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        table_slice = self._get_table_slice(context, context.upstream_output)  # type: ignore[arg-type]
        with self._db_client.connect(context, table_slice) as conn:
            return ResmoPandasTypeHandler().load_input(context, table_slice, conn)


class ResmoDuckDBIOManager(DuckDBIOManager):
    """Dagster IO manager for the warehouse: pandas DataFrames in, DataFrames out, one transaction per output.

    Partitioned assets need ``metadata={"partition_expr": "organization"}``. Readers see the writes through the
    read copy (``warehouse.access.read_connection``), published at most every ``read_copy_interval_s`` seconds
    during a run and always when the run's execution ends.
    """

    read_copy_interval_s: float | None = Field(
        default=30.0,
        description="Publish the read copy after a write when the last publish is at least this old "
        "(0: after every write; null: only at the end of the execution).",
    )
    lock_timeout_s: float = Field(
        default=access.DEFAULT_LOCK_TIMEOUT_S,
        description="How long to wait for another process's write lock before failing the write.",
    )

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [ResmoPandasTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return pd.DataFrame

    def create_io_manager(self, context: dg.InitResourceContext) -> ResmoDbIOManager:
        return ResmoDbIOManager(
            db_client=ResmoDuckDbClient(),
            database=self.database,
            schema=self.schema_,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="ResmoDuckDBIOManager",
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if not access.has_unpublished_writes(self.database):
            return
        try:
            access.publish_read_copy(self.database, lock_timeout_s=_TEARDOWN_PUBLISH_TIMEOUT_S)
        except (access.WarehouseError, duckdb.Error, OSError) as error:
            log.warning("The warehouse read copy was not published at the end of this execution: %s", error)
