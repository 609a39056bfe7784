"""Change history: every version of every resource (SCD2) and one event per created, modified or deleted resource.

``history.<resource type>`` holds one row per version of a resource: ``valid_from`` (when the version was first
seen), ``valid_to`` (when it was replaced or deleted; NULL while current), ``row_hash``, ``is_deleted`` (a
tombstone version marks a deletion), the typed columns of ``azure_devops.<resource type>`` and ``raw``.

``history.changes`` holds the events: ``event_id`` (unique), ``event_seq`` (increasing, a cursor for consumers
such as notifications), ``organization``, ``resource_type``, ``resource_id``, ``resource_name``, ``change_type``
("created" | "modified" | "deleted"), ``changed_fields`` (JSON list of {field, before, after} over the top-level
keys of ``raw``; NULL for created and deleted), ``detected_at``, ``run_id``, and ``actor`` / ``audit_event_id``
(NULL until the audit log fills them in).

All comparisons run as DuckDB SQL on the whole organization at once, so tens of thousands of rows take a
fraction of a second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import duckdb

from resmo_pipeline.history.views import ensure_history_views
from resmo_pipeline.warehouse.schema import as_utc_naive, ensure_table, qualified_name, quote_identifier, table_columns

CURRENT_SCHEMA = "azure_devops"
HISTORY_SCHEMA = "history"

# Columns every current-state row has that are not typed resource columns.
_ROW_CONTRACT_COLUMNS = ("organization", "resource_id", "fetched_at", "raw")
# The fetch time changes on every sync without the resource changing.
_NOT_TRACKED = ("fetched_at",)
# First present column names the resource in events (resource_name: the protected resource of a permission row).
_NAME_COLUMNS = ("name", "display_name", "principal_name", "title", "resource_name")

VERSION_COLUMNS: dict[str, str] = {
    "organization": "VARCHAR",
    "resource_id": "VARCHAR",
    "valid_from": "TIMESTAMP",
    "valid_to": "TIMESTAMP",
    "row_hash": "VARCHAR",
    "is_deleted": "BOOLEAN",
}

CHANGES_COLUMNS: dict[str, str] = {
    "event_id": "VARCHAR",
    "event_seq": "BIGINT",
    "organization": "VARCHAR",
    "resource_type": "VARCHAR",
    "resource_id": "VARCHAR",
    "resource_name": "VARCHAR",
    "change_type": "VARCHAR",
    "changed_fields": "JSON",
    "detected_at": "TIMESTAMP",
    "run_id": "VARCHAR",
    "actor": "VARCHAR",
    "audit_event_id": "VARCHAR",
}

#: Modified candidates compared per statement (see _compare_fields).
_COMPARE_BATCH = 250

# raw as a {top-level key: JSON value} map; NULL when raw is not a JSON object.
_RAW_MAP = "TRY_CAST(TRY_CAST({raw} AS JSON) AS MAP(VARCHAR, JSON))"


def _raw_map(expression: str) -> str:
    return _RAW_MAP.format(raw=expression)


def record_snapshot(
    conn: duckdb.DuckDBPyConnection,
    resource_type: str,
    organization: str,
    run_id: str,
    detected_at: datetime,
    ignore_fields: Sequence[str] = (),
) -> int:
    """Compare ``azure_devops.<resource_type>`` for ``organization`` with its open history and record the changes.

    Call it in the transaction that replaced the organization's rows. Changed and deleted resources get their
    current version closed at ``detected_at`` and a new version (or tombstone) opened; every change appends one
    event to ``history.changes``. Unchanged resources produce nothing, so re-running on identical data records no
    events. ``ignore_fields`` are top-level ``raw`` keys (volatile timestamps, counters) that neither make a
    change nor appear in ``changed_fields``. Tables without a ``resource_id`` column are skipped. Returns the
    number of events written.
    """
    current_columns = table_columns(conn, CURRENT_SCHEMA, resource_type)
    if "resource_id" not in current_columns:
        # Not an inventory table (or not created yet): there is no resource identity to track.
        return 0
    typed = [
        name for name in current_columns if name not in (*_ROW_CONTRACT_COLUMNS, *_NOT_TRACKED, *VERSION_COLUMNS)
    ]
    history_types = {
        **VERSION_COLUMNS,
        **{name: current_columns[name] for name in typed},
        "raw": current_columns.get("raw", "JSON"),
    }
    history_table = qualified_name(HISTORY_SCHEMA, resource_type)
    ensure_table(conn, HISTORY_SCHEMA, resource_type, history_types)
    ensure_table(conn, HISTORY_SCHEMA, "changes", CHANGES_COLUMNS)
    ensure_history_views(conn, resource_type)

    typed_sql = "".join(f"{quote_identifier(name)}, " for name in typed)
    raw_sql = "raw" if "raw" in current_columns else "NULL::JSON"
    name_column = next((name for name in _NAME_COLUMNS if name in typed), None)
    name_sql = f"coalesce(CAST({{alias}}.{quote_identifier(name_column)} AS VARCHAR), {{alias}}.resource_id)" if (
        name_column
    ) else "{alias}.resource_id"
    typed_struct = ", ".join(f"{quote_identifier(name)} := {quote_identifier(name)}" for name in typed)
    typed_json = f"to_json(struct_pack({typed_struct}))" if typed else "NULL"
    parameters = {
        "organization": organization,
        "ignore": list(ignore_fields),
        "detected_at": as_utc_naive(detected_at),
    }
    # Fast fingerprint of the payload as received, ignored keys removed. A differing fingerprint only makes a
    # candidate: the exact, key-order-insensitive comparison below runs on the (few) candidates alone.
    ignore_patch = json.dumps(dict.fromkeys(ignore_fields))
    payload = (
        f"CASE WHEN json_type({raw_sql}) = 'OBJECT' THEN json_merge_patch({raw_sql}, '{_sql_string(ignore_patch)}') "
        f"ELSE {raw_sql} END"
        if ignore_fields
        else raw_sql
    )
    current_table = qualified_name(CURRENT_SCHEMA, resource_type)
    # One version per resource id. The window that picks it sorts whole rows, raw JSON included, and did not fit
    # DuckDB's writer memory for 3,000 build definitions; the rows are unique per id anyway (the key), so it only
    # runs when a count of the ids alone finds duplicates.
    duplicates = conn.execute(
        f"SELECT count(*) - count(DISTINCT resource_id) FROM {current_table} WHERE organization = $organization",
        {"organization": organization},
    ).fetchall()[0][0]
    one_per_id = "QUALIFY row_number() OVER (PARTITION BY resource_id ORDER BY row_hash) = 1" if duplicates else ""
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _scd2_current AS
        SELECT organization, resource_id, {typed_sql}{raw_sql} AS raw,
               md5(coalesce(CAST({payload} AS VARCHAR), {typed_json})) AS row_hash
        FROM {current_table}
        WHERE organization = $organization
        {one_per_id}
        """,
        {"organization": organization},
    )
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _scd2_diff AS
        WITH open_rows AS (
            SELECT * FROM {history_table} WHERE organization = $organization AND valid_to IS NULL
        )
        SELECT coalesce(c.resource_id, o.resource_id) AS resource_id,
               CASE WHEN o.resource_id IS NULL OR o.is_deleted THEN 'created'
                    WHEN c.resource_id IS NULL THEN 'deleted'
                    ELSE 'modified' END AS change_type,
               CASE WHEN c.resource_id IS NULL THEN {name_sql.format(alias="o")}
                    ELSE {name_sql.format(alias="c")} END AS resource_name,
               o.raw AS old_raw,
               c.raw AS new_raw,
               c.row_hash AS new_hash,
               NULL::JSON AS changed_fields
        FROM _scd2_current c FULL OUTER JOIN open_rows o ON c.resource_id = o.resource_id
        WHERE (c.resource_id IS NOT NULL AND (o.resource_id IS NULL OR o.is_deleted OR c.row_hash <> o.row_hash))
           OR (c.resource_id IS NULL AND NOT o.is_deleted)
        """,
        {"organization": organization},
    )
    _compare_fields(conn, history_table, parameters)
    events = conn.execute("SELECT count(*) FROM _scd2_diff").fetchall()[0][0]
    if events:
        _apply_changes(conn, history_table, typed_sql, resource_type, run_id, parameters)
    conn.execute("DROP TABLE IF EXISTS _scd2_current")
    conn.execute("DROP TABLE IF EXISTS _scd2_diff")
    return int(events)


def _sql_string(value: str) -> str:
    return value.replace("'", "''")


def _compare_fields(conn: duckdb.DuckDBPyConnection, history_table: str, parameters: dict[str, object]) -> None:
    """Fill ``changed_fields`` of modified candidates; drop those where no top-level field really changed.

    A candidate without a real change (e.g. only the key order differs) keeps its version; its fingerprint is
    refreshed so it is not a candidate again.
    """
    # In batches: the top-level maps of every candidate at once do not fit DuckDB's memory limit when a whole
    # type changed (3,000 build definitions hold 2 x 9 MB of JSON, several times that as maps).
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _scd2_batches AS
        SELECT resource_id, (row_number() OVER (ORDER BY resource_id) - 1) // {_COMPARE_BATCH} AS batch
        FROM _scd2_diff WHERE change_type = 'modified'
        """
    )
    batches = conn.execute("SELECT coalesce(max(batch) + 1, 0) FROM _scd2_batches").fetchall()[0][0]
    for batch in range(int(batches)):
        conn.execute(
            f"""
            UPDATE _scd2_diff SET changed_fields = changed.changed_fields
            FROM (
                WITH modified AS (
                    SELECT resource_id, {_raw_map("old_raw")} AS before_map, {_raw_map("new_raw")} AS after_map
                    FROM _scd2_diff
                    WHERE change_type = 'modified'
                      AND resource_id IN (SELECT resource_id FROM _scd2_batches WHERE batch = $batch)
                ),
                fields AS (
                    SELECT resource_id,
                           unnest(list_distinct(list_concat(coalesce(map_keys(before_map), []),
                                                            coalesce(map_keys(after_map), [])))) AS field
                    FROM modified
                )
                SELECT m.resource_id,
                       coalesce(to_json(list({{'field': f.field, 'before': m.before_map[f.field],
                                               'after': m.after_map[f.field]}} ORDER BY f.field)
                                        FILTER (f.field IS NOT NULL)), '[]') AS changed_fields
                FROM modified m LEFT JOIN fields f
                  ON f.resource_id = m.resource_id
                 AND NOT list_contains($ignore, f.field)
                 AND m.before_map[f.field] IS DISTINCT FROM m.after_map[f.field]
                GROUP BY m.resource_id
            ) AS changed
            WHERE _scd2_diff.resource_id = changed.resource_id
            """,
            {"ignore": parameters["ignore"], "batch": batch},
        )
    conn.execute("DROP TABLE IF EXISTS _scd2_batches")
    conn.execute(
        f"""
        UPDATE {history_table} AS h SET row_hash = d.new_hash
        FROM _scd2_diff d
        WHERE h.organization = $organization AND h.valid_to IS NULL AND h.resource_id = d.resource_id
          AND d.change_type = 'modified' AND d.changed_fields = '[]'
          AND d.old_raw IS NOT NULL AND d.new_raw IS NOT NULL
        """,
        {"organization": parameters["organization"]},
    )
    conn.execute(
        "DELETE FROM _scd2_diff WHERE change_type = 'modified' AND changed_fields = '[]'"
        " AND old_raw IS NOT NULL AND new_raw IS NOT NULL"
    )


def _apply_changes(
    conn: duckdb.DuckDBPyConnection,
    history_table: str,
    typed_sql: str,
    resource_type: str,
    run_id: str,
    parameters: dict[str, object],
) -> None:
    """Close replaced versions, open new versions and tombstones, and append the events."""
    organization = parameters["organization"]
    detected_at = parameters["detected_at"]
    conn.execute(
        """
        INSERT INTO history.changes BY NAME
        SELECT CAST(uuid() AS VARCHAR) AS event_id,
               (SELECT coalesce(max(event_seq), 0) FROM history.changes)
                   + row_number() OVER (ORDER BY d.change_type, d.resource_id) AS event_seq,
               $organization AS organization,
               $resource_type AS resource_type,
               d.resource_id,
               d.resource_name,
               d.change_type,
               d.changed_fields,
               $detected_at AS detected_at,
               $run_id AS run_id
        FROM _scd2_diff d
        """,
        {"organization": organization, "detected_at": detected_at, "resource_type": resource_type, "run_id": run_id},
    )
    conn.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _scd2_tombstones AS
        SELECT * FROM {history_table}
        WHERE organization = $organization AND valid_to IS NULL
          AND resource_id IN (SELECT resource_id FROM _scd2_diff WHERE change_type = 'deleted')
        """,
        {"organization": organization},
    )
    conn.execute(
        f"""
        UPDATE {history_table} SET valid_to = $detected_at
        WHERE organization = $organization AND valid_to IS NULL
          AND resource_id IN (SELECT resource_id FROM _scd2_diff)
        """,
        {"organization": organization, "detected_at": detected_at},
    )
    conn.execute(
        f"""
        INSERT INTO {history_table} BY NAME
        SELECT organization, resource_id, {typed_sql}raw, row_hash,
               $detected_at AS valid_from, NULL::TIMESTAMP AS valid_to, false AS is_deleted
        FROM _scd2_current
        WHERE resource_id IN (SELECT resource_id FROM _scd2_diff WHERE change_type IN ('created', 'modified'))
        """,
        {"detected_at": detected_at},
    )
    conn.execute(
        f"""
        INSERT INTO {history_table} BY NAME
        SELECT * REPLACE ($detected_at AS valid_from, NULL::TIMESTAMP AS valid_to, true AS is_deleted)
        FROM _scd2_tombstones
        """,
        {"detected_at": detected_at},
    )
    conn.execute("DROP TABLE IF EXISTS _scd2_tombstones")
