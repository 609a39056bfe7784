"""Ctrl-C during `resmo-pipeline sync`: the sync stops within seconds, keeps every type's data whole, and says so.

A real sync in a new process, against a simulated organization slow enough (300 ms per answer) that the
read-ahead is still reading when SIGINT arrives; the warehouse holds an earlier full sync (made against a fast
simulator of the same organization), so the test can tell the types the interrupted run wrote from the ones that
kept their earlier rows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.session import ReadCancelled, RunCollection
from resmo_pipeline.simulator import run_simulator
from resmo_pipeline_tests.test_inventory.conftest import Harness

PAT_ENV = "RESMO_TEST_INTERRUPT_PAT"
ORGANIZATION = "contoso"
#: From SIGINT to the process's exit; a whole sync at this latency takes several times as long.
STOP_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def simulators() -> Iterator[tuple[Any, Any]]:
    """The same demo organization twice: answering at once, and 300 ms per answer (same PAT)."""
    with run_simulator(preset="demo", organization=ORGANIZATION) as fast, run_simulator(
        preset="demo", organization=ORGANIZATION, pat=fast.pat, latency_ms=300
    ) as slow:
        yield fast, slow


def _environment(home: Path, pat: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DAGSTER_HOME", "RESMO_HOME", "RESMO_RULES_DIR", "RESMO_QUERIES_DIR")}
    env.update(RESMO_HOME=str(home), PYTHONUNBUFFERED="1", **{PAT_ENV: pat})
    return env


def _sync(home: Path, pat: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "resmo_pipeline", "sync", ORGANIZATION], env=_environment(home, pat),
        capture_output=True, text=True, timeout=240,
    )


def _interrupted_sync(home: Path, pat: str, after_types: int, signals: int = 1) -> tuple[int, str, str, float]:
    """Start a sync, send SIGINT ``signals`` times once ``after_types`` progress lines are out; returns the exit
    code, stdout, stderr and the seconds from the first SIGINT to the exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "resmo_pipeline", "sync", ORGANIZATION], env=_environment(home, pat),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    errors: list[str] = []
    # Drained meanwhile: a full stderr pipe would block the sync.
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read() if process.stderr else ""))
    reader.start()
    lines: list[str] = []
    sent_at: float | None = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if sent_at is None and sum(text.startswith("[") for text in lines) >= after_types:
                for _ in range(signals):
                    process.send_signal(signal.SIGINT)
                    time.sleep(0.2)
                sent_at = time.monotonic()
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=10)
    assert sent_at is not None, "".join(lines)
    return code, "".join(lines), "".join(errors), time.monotonic() - sent_at


def _tables(warehouse: Path) -> dict[str, tuple[int, int, Any]]:
    """Per inventory table of the organization: (rows, distinct fetched_at, newest fetched_at)."""
    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [row[0] for row in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'azure_devops'").fetchall()]
        return {
            name: conn.execute(
                f"select count(*), count(distinct fetched_at), max(fetched_at) from azure_devops.{name} "
                "where organization = ?", [ORGANIZATION]).fetchone()
            for name in names if name in RESOURCE_TYPES
        }
    finally:
        conn.close()


def _listed(stdout: str, label: str) -> str:
    return next(line for line in stdout.splitlines() if f": {label} (" in line).split("): ", 1)[1]


def test_ctrl_c_stops_the_sync_keeps_whole_tables_and_says_what_was_kept(
    resmo_home: Path, simulators: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = simulators
    monkeypatch.setenv(PAT_ENV, fast.pat)
    registry = Registry()
    registry.add(Integration(name=ORGANIZATION, base_url=fast.base_url, pat_env=PAT_ENV))
    first = _sync(resmo_home, fast.pat)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    before = _tables(resmo_home / "warehouse.duckdb")

    registry.update(ORGANIZATION, base_url=slow.base_url)
    code, stdout, stderr, seconds = _interrupted_sync(resmo_home, slow.pat, after_types=3)

    assert code == 130, stdout[-3000:] + stderr[-3000:]
    assert seconds < STOP_WITHIN_S, stdout
    assert "Stopping (Ctrl-C)" in stdout
    assert "Traceback" not in stderr, stderr[-3000:]
    status_line = next(line for line in stdout.splitlines() if line.startswith(f"{ORGANIZATION} "))
    assert status_line.split()[1] == "stopped"
    written = dict(item.rsplit(" (", 1) for item in _listed(stdout, "written in this run").split(", "))
    written = {name: int(rows.removesuffix(" rows)")) for name, rows in written.items()}
    kept = _listed(stdout, "kept their previous data").split(", ")
    # The three types whose lines were out before the signal were written (each line comes before its write,
    # which a stop lets finish); most types were never started.
    progressed = [line.split("] ", 1)[1].split()[0] for line in stdout.splitlines() if line.startswith("[")]
    assert set(progressed[:3]) <= set(written)
    assert len(kept) > len(RESOURCE_TYPES) / 2
    assert sorted([*written, *kept]) == sorted(RESOURCE_TYPES)

    after = _tables(resmo_home / "warehouse.duckdb")
    for name in RESOURCE_TYPES:
        if name in written and RESOURCE_TYPES[name].write_mode == "append":
            assert after[name][0] == before[name][0] + written[name], name  # only newer items are added
        elif name in written:
            # Written whole by this run: one read, newer than the first sync's, all its rows.
            assert after[name][0] == written[name] == before[name][0], name
            assert after[name][1] == 1 and after[name][2] > before[name][2], name
        else:
            assert after.get(name) == before.get(name), name  # exactly the first sync's rows

    with get_instance() as instance:
        runs = instance.get_runs()  # newest first
        assert [run.status for run in runs] == [dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.SUCCESS]
        retries = instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
        assert retries.records == []  # the interrupted step was not retried

    registry.update(ORGANIZATION, base_url=fast.base_url)
    again = _sync(resmo_home, fast.pat)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert all(rows > 0 for rows, _, _ in _tables(resmo_home / "warehouse.duckdb").values())


def test_a_second_ctrl_c_quits_at_once(resmo_home: Path, simulators: tuple[Any, Any]) -> None:
    _, slow = simulators
    Registry().add(Integration(name=ORGANIZATION, base_url=slow.base_url, pat_env=PAT_ENV))
    code, stdout, stderr, seconds = _interrupted_sync(resmo_home, slow.pat, after_types=1, signals=2)

    assert code == 130, stdout[-3000:] + stderr[-3000:]
    assert seconds < STOP_WITHIN_S
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "Stopping (Ctrl-C)" in stdout and "Quit at once (second Ctrl-C)" in stdout
    if (resmo_home / "warehouse.duckdb").exists():
        _tables(resmo_home / "warehouse.duckdb")  # what was committed opens fine


def test_cancel_stops_the_reads_under_way_and_hands_on_nothing(simulators: tuple[Any, Any]) -> None:
    _, slow = simulators
    with AzureDevOpsClient(slow.organization, PatCredential(slow.pat), base_url=slow.base_url) as client:
        collection = RunCollection(client, list(RESOURCE_TYPES), lambda _name: pd.DataFrame(), {})
        time.sleep(1.0)  # four types reading, at 300 ms an answer
        started = time.monotonic()
        collection.cancel()
        for name in ("users", "group_memberships", "role_assignments"):  # read, under way or queued
            with pytest.raises(ReadCancelled):
                collection.take(name)
        collection.close()  # does not wait for the requests in flight
        assert time.monotonic() - started < 1.0
        time.sleep(0.6)  # the answers in flight arrive
        served = slow.stats()["requests"]
        time.sleep(1.0)
        assert slow.stats()["requests"] == served  # no read sends anything more


def test_an_interrupt_raised_by_dagster_in_a_step_is_not_retried(
    harness: Harness, demo_sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs launched by Dagster itself (Terminate in the UI) get the interrupt from Dagster's own handler, in the
    # step's code; here it comes while the repositories step waits for its rows.
    organization = harness.connect(demo_sim)
    take = RunCollection.take

    def interrupted_take(self: RunCollection, name: str) -> Any:
        if name == "repositories":
            signal.raise_signal(signal.SIGINT)
        return take(self, name)

    monkeypatch.setattr(RunCollection, "take", interrupted_take)
    result = harness.materialize(organization, ["projects", "teams", "repositories", "branches"])

    assert not result.success
    assert not [event for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    failures = {event.step_key: event.step_failure_data.user_failure_data.description
                for event in result.all_events if event.is_step_failure and event.step_failure_data.user_failure_data}
    assert "interrupted" in failures["azure_devops__repositories"]
    written = {row[0] for row in harness.query("select resource_type from meta.collection_runs")}
    assert "projects" in written and "repositories" not in written and "branches" not in written
    assert harness.query("select count(*) from azure_devops.projects")[0][0] > 0
    assert not harness.query(
        "select 1 from information_schema.tables where table_schema = 'azure_devops' and table_name = 'repositories'")
