"""The ``resmo-pipeline`` command.

Thin by design: each package contributes its subcommands through a ``commands`` module exposing
``register(subparsers)``; the handlers call into the packages and return a process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines ``register(subparsers: argparse._SubParsersAction) -> None``; the parser it adds sets
# ``handler`` (a callable taking the parsed namespace and returning an exit code).
COMMAND_MODULES: tuple[str, ...] = (
    "resmo_pipeline.compliance.commands",
    "resmo_pipeline.integrations.commands",
    "resmo_pipeline.demo",
    "resmo_pipeline.inventory.commands",
    "resmo_pipeline.notify.commands",
    "resmo_pipeline.simulator.commands",
    "resmo_pipeline.warehouse.commands",
)


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
