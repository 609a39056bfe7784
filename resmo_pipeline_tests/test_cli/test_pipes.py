"""Clean pipes: a reader that goes away early ends the command quietly, with the shell's usual status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from resmo_pipeline.cli import EXIT_BROKEN_PIPE

from .conftest import cli_environment


def test_a_closed_pipe_ends_quietly_with_status_141(demo_home: Path) -> None:
    # JSON of every finding is far larger than a pipe's buffer, so the writer meets the closed pipe for sure.
    process = subprocess.Popen(
        [sys.executable, "-m", "resmo_pipeline", "findings", "--severity", "low", "--format", "json"],
        env=cli_environment(demo_home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does after its line
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == EXIT_BROKEN_PIPE
    assert first.strip() == b"["
    assert error == ""  # no BrokenPipeError traceback, no "Exception ignored" line


def test_shell_pipeline_with_head(demo_home: Path) -> None:
    completed = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m resmo_pipeline findings --format csv | head -2"],
        env=cli_environment(demo_home), capture_output=True, text=True, timeout=60,
    )
    assert completed.stdout.splitlines()[0].startswith("rule_id,organization,")
    assert len(completed.stdout.splitlines()) == 2
    assert "Traceback" not in completed.stderr and "BrokenPipe" not in completed.stderr
