"""``resmo-pipeline sql`` and ``resmo-pipeline queries``: ask the warehouse anything, or one of the saved
questions, without ever getting in the way of a running sync (they read the published read copy)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from resmo_pipeline.warehouse.formats import FORMATS, add_format_option

if TYPE_CHECKING:
    import duckdb

SQL_DESCRIPTION = (
    "Run a DuckDB SQL query on the warehouse (read-only; safe while a sync runs). Without a query: an interactive "
    "shell with history and completion of schema, table and column names; with input from a pipe or file, the "
    "statements it holds (each ending with ;). Tables: azure_devops.<resource type>, history.*, compliance.*, "
    "meta.collection_runs."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sql`` and ``queries`` commands."""
    parser = subparsers.add_parser("sql", help="run a SQL query on the warehouse, or open the SQL shell",
                                   description=SQL_DESCRIPTION)
    parser.add_argument("query", nargs="?", help='e.g. "SELECT name, project_name FROM azure_devops.repositories"')
    add_format_option(parser, FORMATS)
    parser.set_defaults(handler=run_sql)

    queries = subparsers.add_parser(
        "queries", help="saved security questions: list, show and run them",
        description="Curated SQL questions (who administers the organization, what changed, risky tokens, ...). "
        "Your own go in RESMO_QUERIES_DIR, one .sql file each, in the same format.",
    )
    actions = queries.add_subparsers(dest="queries_command", metavar="ACTION")
    listing = actions.add_parser("list", help="every saved question, with its name")
    add_format_option(listing)
    listing.set_defaults(handler=_list)
    queries.set_defaults(handler=_list, format="table")
    show = actions.add_parser("show", help="one saved question: what it answers, its parameters and its SQL")
    show.add_argument("name", metavar="NAME").completions = query_names  # type: ignore[attr-defined]
    show.set_defaults(handler=_show)
    run = actions.add_parser("run", help="run a saved question on the warehouse")
    run.add_argument("name", metavar="NAME").completions = query_names  # type: ignore[attr-defined]
    run.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
    add_format_option(run)
    run.set_defaults(handler=_run)


def query_names() -> list[str]:
    """The saved questions' names (shell completion of ``queries run NAME``)."""
    from resmo_pipeline.warehouse.saved_queries import saved_queries

    return list(saved_queries())


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def run_sql(args: argparse.Namespace) -> int:
    """One query: print its answer in the chosen format. No query: the shell (interactive or scripted)."""
    import duckdb

    from resmo_pipeline import settings
    from resmo_pipeline.warehouse.access import WarehouseError, read_connection
    from resmo_pipeline.warehouse.formats import fetch, render

    try:
        with read_connection(settings.warehouse_path()) as conn:
            if args.query is None:
                return _shell(conn, args.format)
            table = fetch(conn, args.query)
    except WarehouseError as error:
        return _fail(str(error))
    except duckdb.Error as error:
        return _fail(f"the query failed. {error}")
    print(render(table, args.format))
    return 0


def _shell(conn: duckdb.DuckDBPyConnection, fmt: str) -> int:
    from resmo_pipeline import settings
    from resmo_pipeline.warehouse.shell import SqlShell, prompt_session, run_interactive, run_script

    shell = SqlShell(conn, fmt)
    if not sys.stdin.isatty():
        return run_script(shell, sys.stdin)
    return run_interactive(shell, prompt_session(shell, history=settings.resmo_home() / "sql_history"))


def _list(args: argparse.Namespace) -> int:
    from resmo_pipeline.warehouse.formats import Table, render
    from resmo_pipeline.warehouse.saved_queries import SavedQueryError, saved_queries

    try:
        queries = saved_queries()
    except SavedQueryError as error:
        return _fail(str(error))
    rows = [(q.name, q.title, " ".join(f"{p.name}={p.default}" for p in q.params)) for q in queries.values()]
    print(render(Table.of(["name", "question", "parameters"], rows), args.format))
    return 0


def _show(args: argparse.Namespace) -> int:
    from resmo_pipeline.warehouse.saved_queries import SavedQueryError, saved_query

    try:
        query = saved_query(args.name)
    except SavedQueryError as error:
        return _fail(str(error))
    params = "\n".join(f"  --param {p.name}={p.default}   {p.meaning}".rstrip() for p in query.params) or "  (none)"
    description = f"{query.description}\n\n" if query.description else ""
    print(f"{query.name} — {query.title}\n\n{description}parameters:\n{params}\nfile: {query.path}\n\n{query.sql}")
    return 0


def _run(args: argparse.Namespace) -> int:
    import duckdb

    from resmo_pipeline import settings
    from resmo_pipeline.warehouse.access import WarehouseError, read_connection
    from resmo_pipeline.warehouse.formats import fetch, render
    from resmo_pipeline.warehouse.saved_queries import SavedQueryError, parse_assignments, saved_query

    try:
        query = saved_query(args.name)
        values = query.values(parse_assignments(args.param))
        with read_connection(settings.warehouse_path()) as conn:
            table = fetch(conn, query.sql, values or None)
    except (SavedQueryError, WarehouseError) as error:
        return _fail(str(error))
    except duckdb.Error as error:
        return _fail(f"{args.name} failed on this warehouse. {error}")
    print(render(table, args.format))
    return 0
