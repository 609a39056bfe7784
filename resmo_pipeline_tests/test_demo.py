"""`resmo-pipeline demo --no-ui` end to end, as `make demo NO_UI=1` runs it: a fresh RESMO_HOME, a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.cli import main
from resmo_pipeline.demo import DEMO_PAT_ENV, DemoContext, connect_organization, serve_ui
from resmo_pipeline.integrations.registry import Integration, IntegrationError, Registry
from resmo_pipeline.permissions import PERMISSION_TABLES


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
    assert sorted(summary) == sorted([*RESOURCE_TYPES, *PERMISSION_TABLES])
    assert [name for name, rows in summary.items() if rows == 0] == []
    # One effective-permissions answer, with the group and inheritance that grant it.
    assert "Who can bypass the policies of payments-api's main branch?" in completed.stdout
    assert "via [Payments]\\Project Administrators (inherited from project Payments)" in completed.stdout
    assert "Open findings by severity" in completed.stdout
    assert "contoso paused" in completed.stdout
    # After the first sync the demo grants a compliant connection to all pipelines and follows the change.
    assert "Audit log: Library.ServiceConnectionModified" in completed.stdout
    assert "Change event: pipeline_permissions 'prod-azure-wif' modified (allPipelines:" in completed.stdout
    # The change event and the findings it opened: the connection open to all pipelines, and the pipelines whose
    # editors can now use a production connection.
    assert "Notifications for the change: local-log: 4 delivered" in completed.stdout
    assert "[contoso] 4 events: 1 change, 3 new finding" in completed.stdout
    assert "Finding opened: sc.all_pipelines_access on service_connections 'prod-azure-wif'" in completed.stdout
    assert "Finding opened: perm.pipeline_editors_production on build_definitions " in completed.stdout

    registry = json.loads((home / "integrations.json").read_text())
    assert [entry["last_sync_status"] for entry in registry["integrations"]] == ["success"]
    assert (home / "warehouse.duckdb").exists()

    monkeypatch.setenv("RESMO_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    assert main(["integrations", "list"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("contoso"))
    assert "disabled" in line and "never" not in line  # paused when the demo's simulator stopped
    # The first sync's rows, and the audit entry of the demo's change (its refresh reads the audit log again).
    assert str(sum(summary.values()) + 1) in line.split()


def test_demo_repoints_its_own_entry_but_never_a_real_organization(simulator: Any, resmo_home: Path) -> None:
    registry = Registry()
    registry.add(Integration(name="contoso", pat_env=DEMO_PAT_ENV, base_url="http://127.0.0.1:9", enabled=False))
    lines: list[str] = []
    with ExitStack() as stack:
        ctx = DemoContext(ui=False, port=0, printer=lines.append, stack=stack, simulator=simulator,
                          organization="contoso")
        connect_organization(ctx)
        assert registry.get("contoso").base_url == simulator.base_url and registry.get("contoso").enabled
    assert not registry.get("contoso").enabled
    assert "Re-connected contoso" in lines[0] and "contoso paused" in lines[-1]

    registry.delete("contoso")
    registry.add(Integration(name="contoso", pat_env="CONTOSO_PAT"))
    with ExitStack() as stack, pytest.raises(IntegrationError, match=r"RESMO_HOME=\.resmo-demo"):
        connect_organization(DemoContext(ui=False, port=0, printer=lines.append, stack=stack,
                                         simulator=simulator, organization="contoso"))
    assert registry.get("contoso").base_url is None


def test_the_demo_ui_serves_a_workspace_that_loads_the_definitions(
    resmo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []

    class Finished:
        pid = 0

        def wait(self, timeout: float | None = None) -> int:
            return 0

    def popen(command: list[str], **_options: Any) -> Finished:
        started.append(command)
        return Finished()

    monkeypatch.setattr(subprocess, "Popen", popen)
    with ExitStack() as stack:
        ctx = DemoContext(ui=True, port=_free_port(), printer=lambda _line: None, stack=stack)
        serve_ui(ctx)
    [command] = started
    workspace = Path(command[command.index("-w") + 1])
    [location] = yaml.safe_load(workspace.read_text())["load_from"]
    assert location["python_module"]["module_name"] == "resmo_pipeline.definitions"
    assert location["python_module"]["executable_path"] == sys.executable
    assert Path(location["python_module"]["working_directory"]).is_dir()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
