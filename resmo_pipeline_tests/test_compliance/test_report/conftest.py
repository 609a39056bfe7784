"""Fixtures for the report tests: the demo's warehouse, a changed copy of it, reports written from them, Chromium.

`demo_home` (the demo run once per session, from the suite's conftest) is only read. `report_home` is a copy of
its warehouse with what the demo does not make: a change detected 40 days ago (outside the default period), a
finding whose resource name and link are hostile markup, and a second organization (`fabrikam`) with one failed
rule and its finding.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from resmo_pipeline.warehouse.access import read_connection, write_connection
from resmo_pipeline_tests.cli_support import run_cli

ROOT = Path(__file__).resolve().parents[3]
ENSURE_CHROMIUM = ROOT / "scripts" / "ensure-chromium.sh"
HOSTILE_NAME = '<script>alert("owned")</script><img src=x onerror=alert(1)>'
HOSTILE_URL = "javascript:alert(1)"
#: Who made the demo's change: the demo's admin, as the audit log records it (the demo re-reads the audit log).
AUDIT_ACTOR = "alice@contoso.com"
OLD_CHANGE = "old-repo-removed"
SECOND_ORG = "fabrikam"
SECOND_ORG_RESOURCE = "fabrikam-only-connection"


@pytest.fixture(scope="session")
def report_home(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RESMO_HOME with a changed copy of the demo warehouse (see the module docstring)."""
    home = tmp_path_factory.mktemp("report-home")
    shutil.copyfile(demo_home / "warehouse.duckdb", home / "warehouse.duckdb")
    with write_connection(home / "warehouse.duckdb") as conn:
        event_id, organization = conn.execute(
            "SELECT event_id, organization FROM history.changes"
            " WHERE change_type = 'modified' AND resource_type = 'pipeline_permissions'").fetchone()
        conn.execute(
            "INSERT INTO history.changes (event_id, event_seq, organization, resource_type, resource_id,"
            " resource_name, change_type, detected_at, run_id)"
            " SELECT 'old-change', max(event_seq) + 1, ?, 'repositories', 'old-repo-id', ?, 'deleted', ?, 'old-run'"
            " FROM history.changes",
            [organization, OLD_CHANGE, dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=40)])
        conn.execute(
            "INSERT INTO compliance.findings (rule_id, organization, resource_id, resource_name, resource_type,"
            " project_name, url, severity, message, status, first_seen, last_seen, reopened_count)"
            " SELECT rule_id, organization, 'hostile-id', ?, resource_type, ?, ?, severity, ?, 'open', first_seen,"
            " last_seen, 0 FROM compliance.findings WHERE rule_id = 'sc.all_pipelines_access' LIMIT 1",
            [HOSTILE_NAME, HOSTILE_NAME, HOSTILE_URL, f"message {HOSTILE_NAME}"])
        conn.execute(
            "INSERT INTO compliance.rule_results (run_id, evaluated_at, rule_id, organization, status, violations)"
            " SELECT 'fabrikam-run', now()::TIMESTAMP, 'sc.all_pipelines_access', ?, 'failed', 1", [SECOND_ORG])
        conn.execute(
            "INSERT INTO compliance.findings BY NAME SELECT * REPLACE (? AS organization, ? AS resource_name,"
            " 'fabrikam-id' AS resource_id, 'https://dev.azure.com/fabrikam/_settings/adminservices' AS url,"
            " 'open to all pipelines' AS message, NULL AS project_name)"
            " FROM compliance.findings WHERE rule_id = 'sc.all_pipelines_access' AND status = 'open'"
            " AND resource_id <> 'hostile-id' LIMIT 1",
            [SECOND_ORG, SECOND_ORG_RESOURCE])
        assert event_id
    return home


def write_report(home: Path, output: Path, *args: str) -> tuple[str, str]:
    """Run ``report --output OUTPUT ARGS`` on ``home``; its stdout and the page it wrote."""
    completed = run_cli(home, "report", "--output", str(output), *args)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout, output.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_report(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The demo's report: its path, the command's stdout and the page."""
    output = tmp_path_factory.mktemp("demo-report") / "report.html"
    stdout, page = write_report(demo_home, output)
    return output, stdout, page


def warehouse_rows(home: Path, sql: str, *values: object) -> list[tuple]:
    """Rows of a query on ``home``'s warehouse, read the way the report reads it."""
    with read_connection(home / "warehouse.duckdb") as conn:
        return conn.execute(sql, list(values)).fetchall()


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The path of a Chromium binary, installed by scripts/ensure-chromium.sh when missing (never skipped)."""
    completed = subprocess.run(["sh", str(ENSURE_CHROMIUM)], capture_output=True, text=True, timeout=900)
    if completed.returncode != 0:
        pytest.fail(f"scripts/ensure-chromium.sh could not provide Chromium:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout.strip().splitlines()[-1]


def headless(chromium: str, profile: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Chromium headless, offline-minded (no sync, updates or background requests), with its own profile."""
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
