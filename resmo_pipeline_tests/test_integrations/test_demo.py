"""`resmo-pipeline demo --no-ui` end to end, as `make demo NO_UI=1` runs it: a fresh RESMO_HOME, a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.cli import main


def test_demo_without_ui_fills_every_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "resmo"
    env = {key: value for key, value in os.environ.items() if key not in ("DAGSTER_HOME", "RESMO_HOME")}
    env["RESMO_HOME"] = str(home)
    completed = subprocess.run(
        [sys.executable, "-c", "import sys; from resmo_pipeline.cli import main; sys.exit(main(['demo', '--no-ui']))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=280,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    summary = {
        parts[0].removeprefix("azure_devops."): int(parts[1])
        for parts in (line.split() for line in completed.stdout.splitlines())
        if len(parts) >= 2 and parts[0].startswith("azure_devops.") and parts[1].isdigit()
    }
    assert sorted(summary) == sorted(RESOURCE_TYPES)
    assert [name for name, rows in summary.items() if rows == 0] == []
    assert "Open findings by severity" in completed.stdout

    registry = json.loads((home / "integrations.json").read_text())
    assert [entry["last_sync_status"] for entry in registry["integrations"]] == ["success"]
    assert (home / "warehouse.duckdb").exists()

    monkeypatch.setenv("RESMO_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    assert main(["integrations", "list"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("contoso"))
    assert "enabled" in line and "never" not in line
    assert str(sum(summary.values())) in line.split()
