"""Warehouse tables that evolve in place: create what is missing, add new columns, never require a fresh warehouse.

Also the bookkeeping table ``meta.collection_runs`` (what each sync collected per organization and resource type)
and the organization purge used when an integration is deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

import duckdb

#: collected; not_collected (refused: a missing PAT scope, or internal APIs switched off); unavailable (the
#: endpoint or service is not offered here: 404, an HTML page, a disabled feature, an internal endpoint whose
#: answer changed — `error` says why, `url` what was asked; the earlier rows stay); failed (an error).
CollectionStatus = Literal["collected", "not_collected", "unavailable", "failed"]
COLLECTION_STATUSES: tuple[str, ...] = ("collected", "not_collected", "unavailable", "failed")

COLLECTION_RUNS_COLUMNS: dict[str, str] = {
    "organization": "VARCHAR",
    "resource_type": "VARCHAR",
    "run_id": "VARCHAR",
    "started_at": "TIMESTAMP",
    "finished_at": "TIMESTAMP",
    "rows": "BIGINT",
    "requests": "BIGINT",
    "retries": "BIGINT",
    "throttled_s": "DOUBLE",
    "status": "VARCHAR",
    "error": "VARCHAR",
    "required_scope": "VARCHAR",
    "url": "VARCHAR",
    "skipped": "VARCHAR",
}


def quote_identifier(name: str) -> str:
    """``name`` as a DuckDB identifier, safe whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def qualified_name(schema: str, table: str) -> str:
    """``"schema"."table"``, quoted."""
    return f"{quote_identifier(schema)}.{quote_identifier(table)}"


def table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """True when ``schema.table`` exists as a table in the warehouse."""
    return bool(
        conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
            " AND table_catalog = current_database()",
            [schema, table],
        ).fetchall()[0][0]
    )


def table_columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    """The columns of ``schema.table`` in order, with their DuckDB types (empty when the table does not exist)."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?"
        " AND table_catalog = current_database() ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return dict(rows)


def ensure_table(
    conn: duckdb.DuckDBPyConnection, schema: str, table: str, column_types: Mapping[str, str]
) -> list[str]:
    """Make ``schema.table`` hold at least ``column_types`` ({column: DuckDB type}); return the columns added.

    Creates the schema and table when missing; adds (NULL-filled) columns an existing table lacks. Existing columns
    are never dropped or retyped, so a warehouse written by an older version keeps working after an upgrade.
    """
    if not column_types:
        raise ValueError(f"No columns given for {schema}.{table}.")
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}")
    existing = table_columns(conn, schema, table)
    if not existing:
        columns = ", ".join(f"{quote_identifier(name)} {type_}" for name, type_ in column_types.items())
        conn.execute(f"CREATE TABLE IF NOT EXISTS {qualified_name(schema, table)} ({columns})")
        return list(column_types)
    added = [name for name in column_types if name not in existing]
    for name in added:
        conn.execute(
            f"ALTER TABLE {qualified_name(schema, table)} ADD COLUMN {quote_identifier(name)} {column_types[name]}"
        )
    return added


def record_collection_run(
    conn: duckdb.DuckDBPyConnection,
    *,
    organization: str,
    resource_type: str,
    run_id: str,
    started_at: datetime,
    finished_at: datetime,
    status: CollectionStatus,
    rows: int | None = None,
    requests: int | None = None,
    retries: int | None = None,
    throttled_s: float | None = None,
    error: str | None = None,
    required_scope: str | None = None,
    url: str | None = None,
    skipped: str | None = None,
) -> None:
    """Append what one collection of one resource type for one organization did to ``meta.collection_runs``.

    ``status`` is "collected", "not_collected" (refused: ``required_scope`` names the missing PAT scope),
    "unavailable" (not offered here: ``error`` is the reason, ``url`` the redacted URL asked) or "failed"
    (``error`` says why). ``skipped`` lists the projects a per-project read left out, one per line, each with
    why. Timestamps are stored as naive UTC.
    """
    if status not in COLLECTION_STATUSES:
        raise ValueError(f"Unknown collection status {status!r}; expected one of {COLLECTION_STATUSES}.")
    ensure_table(conn, "meta", "collection_runs", COLLECTION_RUNS_COLUMNS)
    values = {
        "organization": organization,
        "resource_type": resource_type,
        "run_id": run_id,
        "started_at": started_at,
        "finished_at": finished_at,
        "rows": rows,
        "requests": requests,
        "retries": retries,
        "throttled_s": throttled_s,
        "status": status,
        "error": error,
        "required_scope": required_scope,
        "url": url,
        "skipped": skipped,
    }
    columns = ", ".join(quote_identifier(name) for name in values)
    placeholders = ", ".join("?" for _ in values)
    conn.execute(
        f"INSERT INTO meta.collection_runs ({columns}) VALUES ({placeholders})",
        [as_utc_naive(value) for value in values.values()],
    )


def as_utc_naive(value: object) -> object:
    """Datetimes as naive UTC (the warehouse's TIMESTAMP convention); anything else unchanged."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def purge_organization(conn: duckdb.DuckDBPyConnection, organization: str) -> dict[str, int]:
    """Delete every row of ``organization`` from every table that has an ``organization`` column.

    Returns the rows deleted per table (``schema.table``), including tables where there were none.
    """
    tables = conn.execute(
        "SELECT c.table_schema, c.table_name FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)"
        " WHERE c.column_name = 'organization' AND t.table_type = 'BASE TABLE'"
        " AND c.table_catalog = current_database() ORDER BY 1, 2"
    ).fetchall()
    deleted: dict[str, int] = {}
    for schema, table in tables:
        count = conn.execute(
            f"DELETE FROM {qualified_name(schema, table)} WHERE organization = ?", [organization]
        ).fetchall()[0][0]
        deleted[f"{schema}.{table}"] = int(count)
    return deleted
