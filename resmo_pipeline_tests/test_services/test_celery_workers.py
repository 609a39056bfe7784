"""Runs on Celery workers: the daemon hands queued runs to Redis, two `resmo-pipeline worker`s take one each,
and both organizations' syncs land in the one warehouse with exact data and history."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.partitions import ensure_organizations
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.warehouse import read_connection
from resmo_pipeline_tests.cli_support import cli_environment

from .conftest import PostgresServer, RedisServer
from .serving import Serve, launch, run_status

ORGS = ("alpha", "beta")
TYPES = ("projects", "repositories")
READY_S = 90


@pytest.fixture
def celery_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer, instance_db: str,
    redis_server: RedisServer,
) -> Iterator[tuple[dict[str, str], dict[str, Simulator]]]:
    """RESMO_HOME on PostgreSQL with the Celery launcher on Redis, and two simulated organizations connected."""
    home = tmp_path / "resmo"
    settings = {"RESMO_HOME": str(home), "RESMO_INSTANCE_DB": instance_db,
                "RESMO_INSTANCE_DB_PASSWORD": postgres_server.password,
                "RESMO_RUN_LAUNCHER": "celery", "RESMO_CELERY_BROKER": redis_server.url}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with ExitStack() as stack:
        sims = {org: stack.enter_context(run_simulator(preset="demo", organization=org, seed=7))
                for index, org in enumerate(ORGS)}
        for org, sim in sims.items():
            monkeypatch.setenv(f"RESMO_PAT_{org.upper()}", sim.pat)
            Registry().add(Integration(name=org, base_url=sim.base_url, pat_env=f"RESMO_PAT_{org.upper()}"))
        with get_instance() as instance:
            ensure_organizations(instance, list(ORGS))
        pats = {f"RESMO_PAT_{org.upper()}": sim.pat for org, sim in sims.items()}
        yield {**cli_environment(home), **settings, **pats}, sims


def start_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "resmo_pipeline", "worker", "--name", name], env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(log: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        if " ready." in log.read_text():
            return
        time.sleep(0.3)
    raise AssertionError(f"worker not ready: {log.read_text()}")


def test_two_workers_sync_two_organizations_at_once(
    celery_env: tuple[dict[str, str], dict[str, Simulator]], tmp_path: Path
) -> None:
    env, sims = celery_env
    logs = {name: tmp_path / f"{name}.log" for name in ("w1", "w2")}
    workers = {name: start_worker(name, env, log) for name, log in logs.items()}
    serve = Serve(env, tmp_path / "serve.log")
    try:
        for name, process in workers.items():
            wait_ready(logs[name], process)
        run_ids = {org: launch(serve, org, TYPES) for org in ORGS}
        statuses = {org: run_status(serve, run_id) for org, run_id in run_ids.items()}
        assert statuses == dict.fromkeys(ORGS, "SUCCESS"), (tmp_path / "serve.log").read_text()

        from resmo_pipeline.services.workers import worker_app

        with get_instance() as instance:
            records = {org: instance.get_run_record_by_id(run_id) for org, run_id in run_ids.items()}
        ran_on = {org: worker_app().AsyncResult(record.dagster_run.tags["dagster-celery/task_id"]).worker
                  for org, record in records.items()}
        host = socket.gethostname()
        assert sorted(ran_on.values()) == [f"w1@{host}", f"w2@{host}"]  # one run on each worker
        first, second = records.values()
        assert first.start_time < second.end_time and second.start_time < first.end_time  # at once

        with read_connection(Path(env["RESMO_HOME"]) / "warehouse.duckdb") as conn:
            for org, sim in sims.items():
                projects = conn.execute("SELECT name FROM azure_devops.projects WHERE organization = ? "
                                        "ORDER BY name", [org]).fetchall()
                assert [row[0] for row in projects] == sorted(p["name"] for p in sim.state.projects)
                repositories = conn.execute("SELECT count(*) FROM azure_devops.repositories "
                                            "WHERE organization = ?", [org]).fetchone()[0]
                assert repositories == len(sim.state.repositories)
                history = conn.execute("SELECT count(*) FROM history.projects WHERE organization = ? "
                                       "AND valid_to IS NULL", [org]).fetchone()[0]
                assert history == len(sim.state.projects)
    finally:
        if serve.process.poll() is None:
            serve.stop()
        serve.kill_leftovers()
        for process in workers.values():
            process.terminate()
        for process in workers.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
