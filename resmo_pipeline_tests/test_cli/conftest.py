"""Fixtures for the command-line tests: the demo's warehouse, made the way a new user makes it.

`demo_home` runs `resmo-pipeline demo --no-ui` once per session in a fresh RESMO_HOME (its own simulator, a real
sync through Dagster, rules, history and the demo's change), in a separate process as `make demo NO_UI=1` does.
Tests only read it. `cli_env` is the environment for running the CLI in a subprocess on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def cli_environment(home: Path) -> dict[str, str]:
    """This process's environment with RESMO_HOME set to ``home`` and no Dagster or rule settings of the user."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DAGSTER_HOME", "RESMO_HOME", "RESMO_RULES_DIR", "RESMO_QUERIES_DIR")}
    env["RESMO_HOME"] = str(home)
    return env


def run_cli(home: Path, *args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``resmo-pipeline ARGS`` in a new process on ``home`` (text output captured)."""
    return subprocess.run(
        [sys.executable, "-m", "resmo_pipeline", *args], env=cli_environment(home), input=stdin,
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RESMO_HOME holding the demo's warehouse (read-only use)."""
    home = tmp_path_factory.mktemp("demo-home")
    completed = run_cli(home, "demo", "--no-ui", timeout=280)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return home
