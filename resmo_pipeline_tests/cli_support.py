"""Running the `resmo-pipeline` command in a new process, as a user does, on a RESMO_HOME of a test's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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
