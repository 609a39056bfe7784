"""Helpers for the command-line tests (the session's `demo_home` fixture is in the suite's conftest.py)."""

from resmo_pipeline_tests.cli_support import cli_environment, run_cli

__all__ = ["cli_environment", "run_cli"]
