"""``resmo-pipeline sql "QUERY"``: ask the warehouse anything, without ever getting in the way of a running sync."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import duckdb
import pandas as pd
from tabulate import tabulate

from resmo_pipeline import settings
from resmo_pipeline.warehouse.access import WarehouseError, read_connection


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    # pandas shows missing values as <NA>/NaT/nan depending on the dtype; a terminal table says NULL for all.
    return frame.astype(object).where(frame.notna(), None)


FORMATTERS: dict[str, Callable[[pd.DataFrame], str]] = {
    "table": lambda frame: tabulate(
        _cells(frame), headers="keys", tablefmt="simple", showindex=False, missingval="NULL"
    ),
    "markdown": lambda frame: tabulate(
        _cells(frame), headers="keys", tablefmt="github", showindex=False, missingval=""
    ),
    "csv": lambda frame: frame.to_csv(index=False).rstrip("\n"),
    "json": lambda frame: frame.to_json(orient="records", date_format="iso", indent=2),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sql`` command."""
    parser = subparsers.add_parser(
        "sql",
        help="run a SQL query on the warehouse",
        description="Run a DuckDB SQL query on the warehouse (read-only; safe while a sync runs). Tables: "
        "azure_devops.<resource type>, history.*, compliance.*, meta.collection_runs.",
    )
    parser.add_argument("query", help='e.g. "SELECT name, project_name FROM azure_devops.repositories"')
    parser.add_argument("--format", choices=sorted(FORMATTERS), default="table", help="output format")
    parser.set_defaults(handler=run_sql)


def run_sql(args: argparse.Namespace) -> int:
    """Print the query's result in the chosen format; explain what went wrong otherwise."""
    try:
        with read_connection(settings.warehouse_path()) as conn:
            frame = conn.execute(args.query).df()
    except WarehouseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except duckdb.Error as error:
        print(f"error: the query failed. {error}", file=sys.stderr)
        return 1
    print(FORMATTERS[args.format](frame))
    return 0
