"""``resmo-pipeline report``: one self-contained HTML page to hand an auditor.

Building the parser imports only the standard library; the handler loads DuckDB and Jinja2 when it runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
from pathlib import Path

DEFAULT_DAYS = 30
DEFAULT_OUTPUT = "report.html"
EXIT_FAILED = 1
EXIT_NO_DATA = 2  # also an unknown --org: the same code `findings` uses when there is nothing to read
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def since_date(text: str) -> dt.date:
    """``--since``: a calendar day as YYYY-MM-DD, not in the future."""
    try:
        if not _DATE.match(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-01") from None
    if day > dt.datetime.now(dt.UTC).date():
        raise argparse.ArgumentTypeError(f"{text} is in the future: the period starts on or before today (UTC)")
    return day


def _write(path: Path, text: str) -> None:
    """Write atomically: a reader (a browser, a mail client) never sees a half-written page."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False,
                                     encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _report(args: argparse.Namespace) -> int:
    import duckdb

    from resmo_pipeline import settings
    from resmo_pipeline.compliance.report.data import ReportDataError, UnknownOrganizationError, collect
    from resmo_pipeline.warehouse.access import WarehouseError, WarehouseNotFoundError, read_connection

    output = Path(args.output).expanduser()
    if output.is_dir():
        return _fail(f"{output} is a folder: give a file name, e.g. --output {output / DEFAULT_OUTPUT}", EXIT_FAILED)
    if not output.parent.is_dir():
        return _fail(f"the folder {output.parent} does not exist: create it or choose another --output", EXIT_FAILED)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    day = args.since or (now.date() - dt.timedelta(days=DEFAULT_DAYS))
    since = dt.datetime.combine(day, dt.time())
    warehouse = settings.warehouse_path()
    try:
        with read_connection(warehouse) as conn:
            data = collect(conn, organization=args.org, since=since, now=now)
    except WarehouseNotFoundError:
        return _fail(
            f"there is no warehouse at {warehouse} yet, so there is nothing to report. Run `resmo-pipeline demo` "
            "to try it on the simulated organization, or `resmo-pipeline sync` to collect your organizations, "
            "then run the report again.",
            EXIT_NO_DATA,
        )
    except UnknownOrganizationError as error:
        return _fail(str(error), EXIT_NO_DATA)
    except ReportDataError as error:
        return _fail(str(error), EXIT_NO_DATA)
    except WarehouseError as error:
        return _fail(str(error), EXIT_FAILED)
    except duckdb.Error as error:
        # e.g. a warehouse written by an older version, missing a column the report reads
        return _fail(f"the warehouse could not answer the report ({error}); a `resmo-pipeline sync` brings its "
                     "tables up to date", EXIT_FAILED)
    from resmo_pipeline.compliance.report.render import render

    scope = data.organizations[0] if args.org else "all organizations"
    _write(output, render(data, scope=scope))
    for warning in data.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    counts = ", ".join(f"{severity} {count}" for severity, count in data.severity_counts.items())
    scores = ", ".join(
        f"{'n/a' if row['score'] is None else format(row['score'] * 100, '.1f') + ' %'} ({row['organization']})"
        for row in data.overall_scores()
    )
    changes = data.changes.total_listed
    print(output.resolve())
    print(f"{scope}: {data.open_total} open findings ({counts}); score {scores or 'n/a'}; "
          f"{changes} change{'' if changes == 1 else 's'} since {day:%Y-%m-%d}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report",
        help="write an HTML report of scores, findings, their trend and recent changes",
        description="Write one self-contained HTML file (no network needed to view it): scores per framework; "
        "open findings by severity, rule and project; the trend of open findings over the period; what changed "
        "and who changed it; each open finding with its remediation and a link into Azure DevOps. Reads the "
        "warehouse only (safe while a sync runs).",
    )
    parser.add_argument("--org", metavar="ORG", help="only this organization (default: every organization)")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=since_date,
                        help=f"start of the period (default: {DEFAULT_DAYS} days ago)")
    parser.add_argument("--output", "-o", metavar="FILE", default=DEFAULT_OUTPUT,
                        help=f"where to write the page (default: {DEFAULT_OUTPUT} in the working directory)")
    parser.set_defaults(handler=_report)
