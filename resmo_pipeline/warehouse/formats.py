"""Query results as people and scripts read them: an aligned table, Markdown, CSV or JSON.

Every listing command (``sql``, ``queries run``, ``findings``, ``rules list``, ``integrations list``) prints
through here, so ``--format`` means the same everywhere. Works on plain rows as DuckDB returns them (no pandas):
the CLI answers in a few hundredths of a second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

FORMATS: tuple[str, ...] = ("table", "csv", "json", "markdown")


@dataclass(frozen=True)
class Table:
    """Column names and rows, in order: what a query answered."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    @classmethod
    def of(cls, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
        """A table from any column names and rows."""
        return cls(tuple(columns), tuple(tuple(row) for row in rows))

    def records(self) -> list[dict[str, Any]]:
        """One dict per row, column name to value."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def fetch(conn: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> Table:
    """Run ``sql`` and take its whole answer (statements answering no rows give an empty table)."""
    relation = conn.execute(sql, params) if params is not None else conn.execute(sql)
    columns = [column[0] for column in relation.description or []]
    return Table.of(columns, relation.fetchall() if columns else [])


def _plain(value: Any) -> Any:
    """A value as JSON has it: timestamps ISO 8601, decimals as numbers, nested lists and structs kept."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def cell_text(value: Any) -> str:
    """A value as one cell of text: NULL is empty, lists and structs are JSON, the rest as DuckDB prints it."""
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        return json.dumps(_plain(value), ensure_ascii=False)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _tabulated(table: Table, tablefmt: str, missing: str) -> str:
    from tabulate import tabulate

    rows = [[None if value is None else cell_text(value) for value in row] for row in table.rows]
    # Only columns of numbers are aligned as numbers: text that looks like one (a build number "20261204.1",
    # an id "0042") is shown as it is, not reformatted.
    text_columns = [index for index in range(len(table.columns))
                    if not all(_is_number(row[index]) for row in table.rows if row[index] is not None)]
    return tabulate(rows, headers=list(table.columns), tablefmt=tablefmt, missingval=missing,
                    disable_numparse=text_columns or False)


def to_csv(table: Table) -> str:
    """RFC 4180 CSV with a header line; NULL is an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([cell_text(value) for value in row] for row in table.rows)
    return out.getvalue().rstrip("\n")


def to_json(table: Table) -> str:
    """A JSON array with one object per row."""
    return json.dumps([{key: _plain(value) for key, value in row.items()} for row in table.records()], indent=2,
                      ensure_ascii=False)


def render(table: Table, fmt: str) -> str:
    """The table in one of :data:`FORMATS`; ``table`` shows NULL as NULL, Markdown as an empty cell."""
    if fmt == "table":
        return _tabulated(table, "simple", "NULL")
    if fmt == "markdown":
        return _tabulated(table, "github", "")
    if fmt == "csv":
        return to_csv(table)
    if fmt == "json":
        return to_json(table)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def add_format_option(parser: Any, choices: Sequence[str] = FORMATS, default: str = "table") -> None:
    """The ``--format`` option every listing command takes."""
    parser.add_argument("--format", choices=list(choices), default=default, help=f"output format (default {default})")
