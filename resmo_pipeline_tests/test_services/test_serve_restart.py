"""`resmo-pipeline serve` on PostgreSQL instance storage: queued runs, a clean stop, and a restart that keeps
runs, schedule state, sensor cursors and the organizations partitions; a child that dies stops the service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.partitions import ensure_organizations
from resmo_pipeline.simulator import run_simulator
from resmo_pipeline_tests.cli_support import cli_environment

from .conftest import PostgresServer
from .serving import (
    RUN,
    RUN_QUEUE,
    SCHEDULE,
    SCHEDULE_STATE,
    SENSOR,
    SENSOR_STATE,
    STOP_SCHEDULE,
    Serve,
    command_line,
    cursor_of,
    finished,
    launch,
)
from .test_instance_storage import sqlite_files

PAT_ENV = "RESMO_SERVE_PAT"
ORG = "restart"


@pytest.fixture
def service_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer, instance_db: str
) -> Iterator[dict[str, str]]:
    """RESMO_HOME in tmp on PostgreSQL instance storage, with the simulator's organization connected."""
    home = tmp_path / "resmo"
    settings = {"RESMO_HOME": str(home), "RESMO_INSTANCE_DB": instance_db,
                "RESMO_INSTANCE_DB_PASSWORD": postgres_server.password}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with run_simulator(preset="demo", organization=ORG) as sim:
        monkeypatch.setenv(PAT_ENV, sim.pat)
        Registry().add(Integration(name=sim.organization, base_url=sim.base_url, pat_env=PAT_ENV))
        with get_instance() as instance:
            ensure_organizations(instance, [sim.organization])
        yield {**cli_environment(home), **settings, PAT_ENV: sim.pat}


def test_serve_keeps_everything_across_a_restart(
    service_env: dict[str, str], tmp_path: Path, postgres_server: PostgresServer
) -> None:
    home = Path(service_env["RESMO_HOME"])
    log = tmp_path / "serve.log"
    first = Serve(service_env, log)
    second: Serve | None = None
    try:
        # Two runs of one organization at once: the queue starts the second only after the first ended.
        run_ids = [launch(first, ORG), launch(first, ORG)]
        queue = first.graphql(RUN_QUEUE)["instance"]["runQueueConfig"]
        assert queue["maxConcurrentRuns"] == 2 and "dagster/partition" in queue["tagConcurrencyLimitsYaml"]
        for run_id in run_ids:
            assert first.wait_for(RUN, finished, id=run_id)["runOrError"]["status"] == "SUCCESS", log.read_text()
        # The change sensor's first tick starts watching the organization: its cursor names it.
        cursor = cursor_of(first.wait_for(SENSOR_STATE, lambda data: cursor_of(data) is not None, s=SENSOR))
        assert ORG in json.loads(cursor)
        # The schedule runs by default (in code); stopped, its state is what storage must keep.
        state = first.graphql(SCHEDULE_STATE, s=SCHEDULE)["scheduleOrError"]["scheduleState"]
        assert state["status"] == "RUNNING"
        stopped = first.graphql(STOP_SCHEDULE, id=state["id"])["stopRunningSchedule"]
        assert stopped.get("scheduleState", {}).get("status") == "STOPPED", stopped
        command_lines = first.command_lines()
        assert command_lines and not any(postgres_server.password in line for line in command_lines)

        assert first.stop() == 0, log.read_text()
        assert not any(psutil.pid_exists(pid) for pid in first.known - {first.process.pid})

        second = Serve(service_env, log)
        answer = second.wait_for(SCHEDULE_STATE, lambda data: data["scheduleOrError"]["__typename"] == "Schedule",
                                 s=SCHEDULE)
        assert answer["scheduleOrError"]["scheduleState"]["status"] == "STOPPED"
        assert cursor_of(second.graphql(SENSOR_STATE, s=SENSOR)) == cursor
        for run_id in run_ids:
            assert second.graphql(RUN, id=run_id)["runOrError"]["status"] == "SUCCESS"
        with get_instance() as instance:
            assert instance.get_dynamic_partitions("organizations") == [ORG]
            records = [instance.get_run_record_by_id(run_id) for run_id in run_ids]
            queued = [instance.get_records_for_run(run_id, of_type=_enqueued()).records for run_id in run_ids]
        assert all(queued), "the runs did not go through the run queue"
        assert records[1].start_time >= records[0].end_time  # one run per organization at a time

        # A child that dies takes the service down, with a non-zero exit, and leaves nothing behind.
        daemon = next(p for p in second.tree() if "dagster-daemon" in command_line(p))
        daemon.kill()
        assert second.process.wait(timeout=60) == 1
        assert "dagster-daemon exited on its own" in log.read_text()
        assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                       for pid in second.known - {second.process.pid})
    finally:
        for serve in (first, second):
            if serve is not None:
                if serve.process.poll() is None:
                    serve.stop()
                serve.kill_leftovers()

    assert sqlite_files(home) == [], "instance data went to SQLite"
    leaked = [path for path in home.rglob("*") if path.is_file()
              and postgres_server.password.encode() in path.read_bytes()]
    assert leaked == []


def _enqueued() -> object:
    """Dagster's RUN_ENQUEUED event type (imported here, as the rest of the module needs no Dagster)."""
    import dagster as dg

    return dg.DagsterEventType.RUN_ENQUEUED
