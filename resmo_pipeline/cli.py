"""The ``resmo-pipeline`` command.

Thin by design: each package contributes its subcommands through a ``commands`` module exposing
``register(subparsers)``; the handlers call into the packages and return a process exit code.

Building the parser must stay cheap: ``--help``, ``sql`` or ``rules list`` answer in about the time Python
takes to load DuckDB. So a ``commands`` module imports at its top only the standard library and light constants
(never Dagster, pandas, the catalog or the API client) and each handler imports what it needs when it runs.
A test (resmo_pipeline_tests/test_cli/test_startup.py) holds every module in ``COMMAND_MODULES`` to that.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Each module defines ``register(subparsers: argparse._SubParsersAction) -> None``; the parser it adds sets
# ``handler`` (a callable taking the parsed namespace and returning an exit code). A new package's commands
# are one more line here.
COMMAND_MODULES: tuple[str, ...] = (
    "resmo_pipeline.compliance.commands",
    "resmo_pipeline.compliance.report.commands",
    "resmo_pipeline.integrations.commands",
    "resmo_pipeline.demo",
    "resmo_pipeline.inventory.commands",
    "resmo_pipeline.notify.commands",
    "resmo_pipeline.permissions.commands",
    "resmo_pipeline.services.commands",
    "resmo_pipeline.simulator.commands",
    "resmo_pipeline.warehouse.commands",
    "resmo_pipeline.completion",
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
# 128 + SIGPIPE: what a shell reports for a command whose reader went away (`yes | head`), so `set -o pipefail`
# scripts see the same status as with any other tool, and a truncated listing is not mistaken for a full one.
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every package's subcommands."""
    parser = argparse.ArgumentParser(
        prog="resmo-pipeline",
        description="Security inventory and compliance for Azure DevOps, on Dagster and DuckDB.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what is left cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no file (captured by a test harness): nothing to flush to
        pass


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        sys.stdout.flush()  # --help's text: a closed pipe must surface here, where it is handled
        raise
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    code = int(handler(args) or 0)
    sys.stdout.flush()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script.

    Output cut short by a closed pipe (``findings | head``) ends quietly with status 141, as the shell reports
    for other tools; Ctrl-C ends with 130. Neither prints a traceback. Restoring SIGPIPE's default action would
    be the other standard answer, but it kills the process wherever it is, a sync's warehouse write included.
    """
    try:
        return _run(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
