"""The SQL shell: ``resmo-pipeline sql`` with no query, on the warehouse's read copy.

Interactive on a terminal (prompt_toolkit): history in ``RESMO_HOME/sql_history``, statements over several lines
(a statement runs when it ends with ``;``), Tab completes schema, table and column names (and SQL keywords), the
output formats of ``--format``. With input from a pipe or a file it runs the statements it reads, the same way,
and exits non-zero if one failed: ``resmo-pipeline sql < checks.sql``.

Dot commands: ``.tables [SCHEMA]``, ``.columns TABLE``, ``.format FMT``, ``.queries``, ``.ask NAME [k=v ...]``,
``.help``, ``.quit``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from resmo_pipeline.warehouse.formats import FORMATS, fetch, render

if TYPE_CHECKING:
    import duckdb
    from prompt_toolkit import PromptSession

KEYWORDS = (
    "SELECT", "FROM", "WHERE", "GROUP BY", "GROUP BY ALL", "ORDER BY", "HAVING", "QUALIFY", "LIMIT", "JOIN",
    "LEFT JOIN", "INNER JOIN", "CROSS JOIN", "ON", "USING", "AS", "AND", "OR", "NOT", "IN", "IS NULL",
    "IS NOT NULL", "LIKE", "ILIKE", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT", "COUNT(*)",
    "WITH", "UNION ALL", "EXCEPT", "INTERSECT", "DESCRIBE", "SUMMARIZE", "EXPLAIN", "SHOW TABLES", "EXCLUDE",
    "unnest", "list_contains", "json_extract_string", "string_agg", "coalesce", "now()", "date_diff",
)
HELP = """\
End a statement with ; to run it (Enter inside a statement starts a new line). Tab completes names.
  .tables [SCHEMA]        tables and views (every schema, or one)
  .columns TABLE          the columns of a table, with their types
  .format table|csv|json|markdown
  .queries                the saved questions
  .ask NAME [k=v ...]     run a saved question (parameters as k=v)
  .quit                   leave (or Ctrl-D)
Schemas: azure_devops (current state), history (changes over time), compliance (rules, findings), meta."""
_WORD = re.compile(r'[\w."]*$')
_TABLE_REFERENCE = re.compile(
    r'\b(?:from|join)\s+((?:"?\w+"?\.)?"?\w+"?)(?:\s+(?:as\s+)?(?!(?:where|join|on|left|right|inner|outer|cross|full|'
    r'group|order|limit|using|natural|qualify|having|union|except|intersect|window)\b)(\w+))?',
    re.IGNORECASE,
)


@dataclass
class SchemaCatalog:
    """What can be completed: every schema, its tables and views, and their columns (in table order)."""

    tables: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # schema -> table -> columns

    @classmethod
    def read(cls, conn: duckdb.DuckDBPyConnection) -> SchemaCatalog:
        """The catalog of the database the connection uses."""
        catalog = cls()
        for schema, table, column in conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position"
        ).fetchall():
            catalog.tables.setdefault(schema, {}).setdefault(table, []).append(column)
        return catalog

    def columns_of(self, name: str) -> list[str]:
        """The columns of ``schema.table`` or of a table name that is unique across schemas."""
        schema, _, table = name.replace('"', "").rpartition(".")
        if schema:
            return self.tables.get(schema, {}).get(table, [])
        found = [tables[table] for tables in self.tables.values() if table in tables]
        return found[0] if len(found) == 1 else []


def _references(statement: str) -> dict[str, str]:
    """The tables a statement reads, by the name or alias it calls them (alias -> table)."""
    found: dict[str, str] = {}
    for match in _TABLE_REFERENCE.finditer(statement):
        table, alias = match.group(1), match.group(2)
        found[table.lower()] = table
        found[table.rpartition(".")[2].strip('"').lower()] = table
        if alias:
            found[alias.lower()] = table
    return found


def completions(catalog: SchemaCatalog, statement: str, cursor: int | None = None) -> tuple[str, list[str]]:
    """The word being typed at ``cursor`` and what it may become, best first.

    After ``schema.`` come its tables; after ``table.`` or ``alias.`` that table's columns; otherwise the
    columns of the tables the statement reads, then tables, schemas and keywords.
    """
    before = statement if cursor is None else statement[:cursor]
    word = _WORD.search(before).group(0)  # type: ignore[union-attr]
    head, dot, partial = word.rpartition(".")
    if dot:
        names = list(catalog.tables.get(head.strip('"'), {}))
        if not names:
            table = _references(statement).get(head.lower(), head)
            names = catalog.columns_of(table)
        prefixes = [f"{head}.{name}" for name in names]
        return word, [text for text in prefixes if text.lower().startswith(word.lower())] if partial else prefixes
    referenced = [column for table in dict.fromkeys(_references(statement).values())
                  for column in catalog.columns_of(table)]
    qualified = [f"{schema}.{table}" for schema, tables in catalog.tables.items() for table in tables]
    candidates = [*referenced, *qualified, *(f"{schema}." for schema in catalog.tables), *KEYWORDS]
    lowered = word.lower()
    return word, list(dict.fromkeys(text for text in candidates if text.lower().startswith(lowered) and text != word))


def split_statements(text: str) -> tuple[list[str], str]:
    """The complete statements in ``text`` (each ended by a ``;`` outside quotes and comments) and the rest."""
    statements, start, index, quote = [], 0, 0, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif text.startswith("--", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = len(text) if end < 0 else end + 2
            continue
        elif char == ";":
            statement = text[start:index].strip()
            if statement:
                statements.append(statement)
            start = index + 1
        index += 1
    return statements, text[start:]


def is_complete(text: str) -> bool:
    """Whether Enter should run the input: a dot command, or statements that end with ``;``."""
    stripped = text.strip()
    if not stripped or stripped.startswith("."):
        return True
    statements, rest = split_statements(stripped)
    return bool(statements) and not rest.strip()


class SqlShell:
    """One shell session on an open read connection: runs statements and dot commands, prints their answers."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, fmt: str = "table", out: TextIO | None = None) -> None:
        import sys

        self.conn = conn
        self.fmt = fmt
        self.out = out or sys.stdout
        self.catalog = SchemaCatalog.read(conn)
        self.failures = 0
        self.done = False

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _error(self, text: str) -> None:
        self.failures += 1
        self._print(f"error: {text}")

    def run(self, text: str) -> None:
        """Run one input: a dot command, or one or more statements."""
        stripped = text.strip()
        if stripped.startswith("."):
            self.command(stripped)
            return
        statements, rest = split_statements(stripped)
        for statement in [*statements, *([rest.strip()] if rest.strip() else [])]:
            self.query(statement)

    def query(self, sql: str, params: Any = None) -> None:
        """Run a statement and print its answer in the session's format."""
        import duckdb

        try:
            table = fetch(self.conn, sql, params)
        except duckdb.Error as error:
            self._error(str(error))
            return
        self._print(render(table, self.fmt) if table.columns else "OK")

    def command(self, line: str) -> None:
        """A dot command (see :data:`HELP`)."""
        try:
            name, *args = shlex.split(line)
        except ValueError as error:
            self._error(str(error))
            return
        handler = self._commands().get(name)
        if handler is None:
            self._error(f"unknown command {name}; .help lists them")
            return
        handler(args)

    def _commands(self) -> dict[str, Callable[[list[str]], None]]:
        return {
            ".help": lambda _args: self._print(HELP),
            ".tables": self._tables,
            ".columns": self._columns,
            ".schema": self._columns,
            ".format": self._format,
            ".queries": self._queries,
            ".ask": self._ask,
            ".quit": self._quit,
            ".exit": self._quit,
        }

    def _quit(self, _args: list[str]) -> None:
        self.done = True

    def _tables(self, args: list[str]) -> None:
        schemas = args or list(self.catalog.tables)
        rows = [(schema, table, len(columns)) for schema in schemas
                for table, columns in self.catalog.tables.get(schema, {}).items()]
        from resmo_pipeline.warehouse.formats import Table

        self._print(render(Table.of(["schema", "table", "columns"], rows), self.fmt))

    def _columns(self, args: list[str]) -> None:
        if len(args) != 1:
            self._error("usage: .columns TABLE (e.g. .columns azure_devops.repositories)")
            return
        self.query(f"DESCRIBE {args[0]}")

    def _format(self, args: list[str]) -> None:
        if len(args) != 1 or args[0] not in FORMATS:
            self._error(f"usage: .format {'|'.join(FORMATS)} (now {self.fmt})")
            return
        self.fmt = args[0]

    def _queries(self, _args: list[str]) -> None:
        from resmo_pipeline.warehouse.formats import Table
        from resmo_pipeline.warehouse.saved_queries import saved_queries

        rows = [(query.name, query.title) for query in saved_queries().values()]
        self._print(render(Table.of(["name", "question"], rows), self.fmt))

    def _ask(self, args: list[str]) -> None:
        from resmo_pipeline.warehouse.saved_queries import SavedQueryError, parse_assignments, saved_query

        if not args:
            self._error("usage: .ask NAME [k=v ...] (.queries lists the names)")
            return
        try:
            query = saved_query(args[0])
            values = query.values(parse_assignments(args[1:]))
        except SavedQueryError as error:
            self._error(str(error))
            return
        self._print(f"-- {query.title}")
        self.query(query.sql, values or None)


def run_script(shell: SqlShell, lines: Iterable[str]) -> int:
    """Run what a pipe or file holds (statements end with ``;``, dot commands take one line); 1 if one failed."""
    pending = ""
    for line in lines:
        if not pending.strip() and line.strip().startswith("."):
            shell.run(line)
        else:
            pending += line if line.endswith("\n") else line + "\n"
            statements, pending = split_statements(pending)
            for statement in statements:
                shell.query(statement)
        if shell.done:
            return 1 if shell.failures else 0
    if pending.strip():
        shell.query(pending.strip())
    return 1 if shell.failures else 0


def _completer(shell: SqlShell) -> Any:
    from prompt_toolkit.completion import Completer, Completion

    class SqlCompleter(Completer):
        """Schema, table, column and keyword completion from the shell's catalog."""

        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
            word, found = completions(shell.catalog, document.text, document.cursor_position)
            for text in found:
                yield Completion(text, start_position=-len(word))

    return SqlCompleter()


def prompt_session(shell: SqlShell, history: Path | None = None, **options: Any) -> PromptSession[str]:
    """The interactive prompt: multi-line until ``;``, history, completion (``options`` go to prompt_toolkit)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        buffer = event.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    return PromptSession(
        message="resmo> ",
        multiline=True,
        prompt_continuation=lambda width, _line, _soft: "...> ".rjust(width),
        completer=_completer(shell),
        complete_while_typing=False,
        history=FileHistory(str(history)) if history else InMemoryHistory(),
        key_bindings=bindings,
        **options,
    )


def run_interactive(shell: SqlShell, session: PromptSession[str]) -> int:
    """Read, run and print until ``.quit`` or Ctrl-D; Ctrl-C drops the statement being typed."""
    shell._print(f"Warehouse shell ({sum(len(t) for t in shell.catalog.tables.values())} tables). "
                 "End statements with ;  .help for commands, Ctrl-D to leave.")
    while not shell.done:
        try:
            text = session.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        shell.run(text)
    return 0
