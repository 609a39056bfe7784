"""The shared SQL vocabulary of rules, and the connection a rule query runs in.

Rules call macros such as ``open_to_all_pipelines(['endpoint'])`` or
``policy_scope_applies_to_default_branch(...)`` instead of repeating the logic; each macro is defined once, in
one ``.sql`` file per topic in this folder, with a comment saying what it means and where that comes from.
Custom rules may call them too (README, "Shared SQL for rules").

All macros are ``TEMP`` macros: they exist only in the connection a rule runs on and are never written into
the warehouse file. ``rule_connection`` prepares such a connection, the same way for the real warehouse
(evaluate.py) and for the empty warehouse that validates rules (loader.empty_warehouse):

1. it creates the vocabulary (``install_vocabulary``);
2. it scopes every ``azure_devops.<table>`` to one organization. An in-memory database is attached under a
   unique name, holding a schema ``azure_devops`` with one view per inventory table,
   ``SELECT * FROM <warehouse>.azure_devops.<table> WHERE organization = '<org>'``, and is made the
   connection's default database (``USE``). A rule's ``azure_devops.groups`` then resolves to that view
   wherever it appears — FROM, JOIN, subqueries, CTEs, inside vocabulary table macros — so a rule never sees
   another organization's rows even when it does not filter on ``$organization`` at all. Why this way: DuckDB
   binds a view's filter into the table scan (the filter is pushed down, no copy of the data is made), the
   views cost microseconds to create, nothing touches the warehouse file, and the rule's SQL is not rewritten
   (rewriting table names in text is fragile with aliases, quoting and comments). Other schemas of the
   warehouse (``meta``, ``compliance``, ...) get plain pass-through views so qualified references to them
   still resolve. ``USE`` and ``ATTACH`` names are per connection, so concurrent evaluations never collide;
   the attached database is detached when the rule connection closes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from resmo_pipeline.compliance.model import strip_sql_comments_and_strings

VOCABULARY_DIR = Path(__file__).parent

_MACRO = re.compile(
    r"CREATE\s+OR\s+REPLACE\s+TEMP\s+MACRO\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s+AS\s+(TABLE\b)?",
    re.IGNORECASE,
)
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_TABLE_REFERENCE = re.compile(r"\bazure_devops\s*\.\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?", re.IGNORECASE)


@dataclass(frozen=True)
class Macro:
    """One vocabulary macro: its signature, what it means (the comment above it), and the tables it reads."""

    name: str
    signature: str
    is_table: bool
    doc: str
    reads: tuple[str, ...]
    file: str
    calls: tuple[str, ...] = ()
    """Every name called like a function in its body (macros among them; built-in functions too)."""

    @property
    def takes_arguments(self) -> bool:
        return not self.signature.endswith("()")


@cache
def vocabulary_files() -> list[Path]:
    """The vocabulary's SQL files, in the order they are created: a file after every file whose macros it calls.

    The order matters because DuckDB binds a table macro's body when the macro is created, so a macro must
    exist before another file's table macro calls it. Files are taken in name order (``common`` first) among
    those whose dependencies are created already.
    """
    files = sorted(VOCABULARY_DIR.glob("*.sql"), key=lambda path: (path.stem != "common", path.stem))
    texts = {path: path.read_text(encoding="utf-8") for path in files}
    defined = {path: {name.lower() for name, _, _ in _MACRO.findall(text)} for path, text in texts.items()}
    needs: dict[Path, set[Path]] = {}
    for path, text in texts.items():
        code = strip_sql_comments_and_strings(text)
        called = {name.lower() for name in _CALL.findall(code)}
        needs[path] = {other for other in files if other != path and called & defined[other]}
    ordered: list[Path] = []
    while len(ordered) < len(files):
        ready = [path for path in files if path not in ordered and needs[path] <= set(ordered)]
        # A cycle between files: create the rest in name order and let DuckDB name the missing macro.
        ordered.extend(ready[:1] or [path for path in files if path not in ordered])
    return ordered


@cache
def vocabulary_sql() -> str:
    """All vocabulary statements, as one SQL script."""
    return "\n".join(path.read_text(encoding="utf-8") for path in vocabulary_files())


@cache
def macros() -> tuple[Macro, ...]:
    """Every vocabulary macro with its documentation comment and (transitively) the inventory tables it reads."""
    found: list[Macro] = []
    for path in vocabulary_files():
        text = path.read_text(encoding="utf-8")
        for statement in re.split(r";[ \t]*(?:\n|$)", text):  # statements end a line with ;
            match = _MACRO.search(statement)
            if not match:
                continue
            # The macro's own comment is the run of `--` lines right above it (a file's header, separated by
            # a blank line, belongs to no macro); its leading "name(args):" repeats the signature, so it goes.
            comment_lines: list[str] = []
            for line in statement[: match.start()].splitlines():
                if line.strip().startswith("--"):
                    comment_lines.append(line.strip()[2:].strip())
                elif not line.strip():
                    comment_lines = []
            doc = re.sub(r"\s+", " ", " ".join(comment_lines)).strip()
            doc = re.sub(rf"^{match.group(1)}\s*\([^)]*\)\s*:\s*", "", doc, flags=re.IGNORECASE)
            body = strip_sql_comments_and_strings(statement[match.end() :])
            arguments = ", ".join(part.strip() for part in match.group(2).split(","))
            found.append(
                Macro(
                    name=match.group(1).lower(),
                    signature=f"{match.group(1)}({arguments})",
                    is_table=bool(match.group(3)),
                    doc=doc,
                    reads=tuple(dict.fromkeys(t.lower() for t in _TABLE_REFERENCE.findall(body))),
                    file=path.name,
                    calls=tuple(dict.fromkeys(name.lower() for name in _CALL.findall(body))),
                )
            )
    return tuple(found)


def macro_reference_markdown() -> str:
    """The README's "Shared SQL for rules" table: every macro's signature, kind and meaning (with its source)."""
    lines = ["| Macro | Kind | Meaning |", "|---|---|---|"]
    for macro in macros():
        meaning = macro.doc.replace("|", "\\|")
        lines.append(f"| `{macro.signature}` | {'table' if macro.is_table else 'scalar'} | {meaning} |")
    return "\n".join(lines)


def tables_read_by_macros(sql: str) -> tuple[str, ...]:
    """The inventory tables the vocabulary macros called in ``sql`` read (so ``requires`` can be checked)."""
    code = strip_sql_comments_and_strings(sql)
    tables: dict[str, None] = {}
    for macro in macros():
        if macro.reads and re.search(rf"\b{macro.name}\s*\(", code, re.IGNORECASE):
            tables.update(dict.fromkeys(macro.reads))
    return tuple(tables)


def macros_called(sql: str) -> set[str]:
    """The vocabulary macros ``sql`` calls, directly or through other macros."""
    by_name = {macro.name: macro for macro in macros()}
    pending = [name.lower() for name in _CALL.findall(strip_sql_comments_and_strings(sql))]
    found: set[str] = set()
    while pending:
        name = pending.pop()
        if name in by_name and name not in found:
            found.add(name)
            pending.extend(by_name[name].calls)
    return found


def cache_shared_table_macros(conn: duckdb.DuckDBPyConnection, queries: Sequence[str]) -> list[str]:
    """Compute once the argument-free table macros two or more of ``queries`` call (directly or not), for this
    connection: each is stored in a TEMP table and the macro redefined to read it, so e.g. "who can push to
    which branch" is evaluated once per batch of rules instead of once per rule. The data must not change while
    the cache is in use (rules only read). Returns the cached macro names; a macro that fails to compute is left
    as it is (the rules calling it report the error themselves)."""
    by_name = {macro.name: macro for macro in macros()}
    uses: dict[str, int] = {}
    for sql in queries:
        for name in macros_called(sql):
            uses[name] = uses.get(name, 0) + 1
    shared = [m for name, m in by_name.items() if m.is_table and not m.takes_arguments and uses.get(name, 0) >= 2]
    cached: list[str] = []
    # Callees first, so a cached macro built on another reads that one's cache.
    for macro in sorted(shared, key=lambda m: len(macros_called(f"{m.name}()"))):
        table = _quote(f"_resmo_cache_{macro.name}")
        try:
            conn.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {macro.name}()")
            conn.execute(f"CREATE OR REPLACE TEMP MACRO {macro.name}() AS TABLE SELECT * FROM {table}")
        except duckdb.Error:
            continue
        cached.append(macro.name)
    return cached


def install_vocabulary(conn: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) every vocabulary macro as a TEMP macro of this connection."""
    conn.execute(vocabulary_sql())


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def scope_to_organization(conn: duckdb.DuckDBPyConnection, organization: str) -> str:
    """Make ``azure_devops.<table>`` show only ``organization``'s rows on this connection (module docstring).

    Returns the name of the attached scope database, for ``unscope``.
    """
    database = conn.execute("SELECT current_database()").fetchone()[0]
    relations = conn.execute(
        """
        SELECT schema_name, table_name, list(column_name) AS columns
        FROM duckdb_columns()
        WHERE database_name = current_database() AND NOT internal
          AND schema_name NOT IN ('information_schema', 'pg_catalog')
        GROUP BY schema_name, table_name
        ORDER BY schema_name, table_name
        """
    ).fetchall()
    scope = f"resmo_scope_{uuid.uuid4().hex}"
    conn.execute(f"ATTACH ':memory:' AS {scope}")
    schemas = {schema for schema, _, _ in relations} | {"azure_devops"}
    statements = [f"CREATE SCHEMA IF NOT EXISTS {scope}.{_quote(schema)}" for schema in sorted(schemas)]
    catalog = _catalog_columns()
    for schema, table, columns in relations:
        source = f"{_quote(database)}.{_quote(schema)}.{_quote(table)}"
        scoped = schema == "azure_devops" and "organization" in columns
        where = f" WHERE organization = {_literal(organization)}" if scoped else ""
        # A table written before the catalog gained a column shows that column as NULL: rules and the
        # vocabulary's table macros bind against the catalog's columns, whatever the table's age.
        extra = "".join(
            f", CAST(NULL AS {kind}) AS {_quote(column)}"
            for column, kind in (catalog.get(table, ()) if schema == "azure_devops" else ())
            if column not in columns
        )
        statements.append(
            f"CREATE VIEW {scope}.{_quote(schema)}.{_quote(table)} AS SELECT *{extra} FROM {source}{where}"
        )
    # An inventory table never collected into this warehouse reads as empty (with the catalog's columns):
    # rules needing it are reported not evaluable before they run, but the vocabulary's table macros must bind.
    present = {table for schema, table, _ in relations if schema == "azure_devops"}
    for table, columns in catalog.items():
        if table not in present:
            select = ", ".join(f"CAST(NULL AS {kind}) AS {_quote(column)}" for column, kind in columns)
            statements.append(f"CREATE VIEW {scope}.azure_devops.{_quote(table)} AS SELECT {select} WHERE FALSE")
    statements.append(f"USE {scope}")
    statements.append(f"SET search_path = {_literal(f'{scope}.main,{_quote(database)}.main')}")
    conn.execute(";\n".join(statements))
    return scope


def _catalog_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    from resmo_pipeline.catalog import RESOURCE_TYPES  # the catalog imports much; not needed to parse macros

    return {name: tuple(dict(kind.column_types).items()) for name, kind in RESOURCE_TYPES.items()}


def unscope(conn: duckdb.DuckDBPyConnection, scope: str, database: str) -> None:
    """Undo ``scope_to_organization``: back to ``database`` as default, the scope database detached."""
    conn.execute(f"USE {_quote(database)}; RESET search_path; DETACH DATABASE IF EXISTS {scope}")


def prepare_rule_connection(conn: duckdb.DuckDBPyConnection, organization: str) -> str:
    """Ready a connection for rule queries of one organization: the vocabulary plus organization scoping.

    Used as is for the throw-away validation warehouse; returns the scope database name.
    """
    scope = scope_to_organization(conn, organization)
    install_vocabulary(conn)  # after scoping: DuckDB binds a table macro's tables when it is created
    return scope


@contextmanager
def rule_connection(conn: duckdb.DuckDBPyConnection, organization: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """``conn`` prepared for rule queries of ``organization`` (see module docstring), restored afterwards."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    scope = prepare_rule_connection(conn, organization)
    try:
        yield conn
    finally:
        unscope(conn, scope, database)
