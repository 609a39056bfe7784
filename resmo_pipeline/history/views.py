"""One-line history queries for people: the state "as of" any moment, and change events per resource type.

    SELECT * FROM history.as_of('repositories', TIMESTAMP '2026-11-01 12:00') WHERE organization = 'contoso';
    SELECT * FROM history.repositories_changes ORDER BY detected_at DESC;

Timestamps are naive UTC, like every timestamp in the warehouse.
"""

from __future__ import annotations

import duckdb

from resmo_pipeline.warehouse.schema import qualified_name

# query_table() resolves the table name when the macro is expanded, so one macro serves every resource type.
AS_OF_MACRO = """
CREATE MACRO IF NOT EXISTS history.as_of(resource_type, ts) AS TABLE
SELECT * EXCLUDE (is_deleted, row_hash)
FROM query_table('history.' || resource_type)
WHERE valid_from <= ts AND (valid_to IS NULL OR valid_to > ts) AND NOT is_deleted
"""


def ensure_history_views(conn: duckdb.DuckDBPyConnection, resource_type: str) -> None:
    """Create the ``history.as_of`` macro and the ``history.<type>_changes`` view if they are missing.

    Needs ``history.changes`` to exist.
    """
    conn.execute(AS_OF_MACRO)
    conn.execute(
        f"CREATE VIEW IF NOT EXISTS {qualified_name('history', resource_type + '_changes')} AS "
        "SELECT * FROM history.changes WHERE resource_type = "
        + "'"
        + resource_type.replace("'", "''")
        + "'"
    )
