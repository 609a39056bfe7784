"""Driving `resmo-pipeline serve` from tests: the process, its GraphQL API, and clean-up of its whole tree."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import requests

from .conftest import free_port

LOCATION = {"repositoryLocationName": "resmo_pipeline", "repositoryName": "__repository__"}
SCHEDULE = {**LOCATION, "scheduleName": "inventory_poll_schedule"}
SENSOR = {**LOCATION, "sensorName": "audit_log_change_sensor"}
DEADLINE_S = 90

LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
RUN = "query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status } } }"
SCHEDULE_STATE = """query($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) { __typename
  ... on Schedule { scheduleState { id status } } } }"""
STOP_SCHEDULE = """mutation($id: String!) { stopRunningSchedule(id: $id) { __typename
  ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } } }"""
RUN_QUEUE = "query { instance { runQueueConfig { maxConcurrentRuns tagConcurrencyLimitsYaml } } }"
SENSOR_STATE = """query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { __typename
  ... on Sensor { sensorState { status typeSpecificData { ... on SensorData { lastCursor } } } } } }"""


class Serve:
    """One `resmo-pipeline serve` process (in its own session, as under systemd) and its GraphQL endpoint."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.log = log.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "resmo_pipeline", "serve", "--port", str(self.port), "--max-concurrent-runs", "2"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.known: set[int] = set()  # every process of the tree seen, for the clean-up

    def tree(self) -> list[psutil.Process]:
        try:
            found = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        self.known.update(process.pid for process in found)
        return found

    def command_lines(self) -> list[str]:
        """The command line of every live process of the tree."""
        return [line for line in map(command_line, self.tree()) if line]

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = requests.post(self.url, json={"query": query, "variables": variables}, timeout=15)
        assert response.status_code != 400, response.text  # a query the schema refuses: no use asking again
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def wait_for(self, query: str, ready: Any, **variables: Any) -> dict[str, Any]:
        """Ask ``query`` until ``ready(answer)`` holds (the webserver and its code location start for seconds)."""
        deadline, last = time.monotonic() + DEADLINE_S, None
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve ended with {self.process.returncode}"
            try:
                last = self.graphql(query, **variables)
                if ready(last):
                    return last
            except requests.RequestException as error:
                last = error
            time.sleep(0.5)
        raise AssertionError(f"not ready after {DEADLINE_S} s: {last}")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.tree()
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def kill_leftovers(self) -> None:
        for pid in self.known:
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(pid).kill()
        self.log.close()


def command_line(process: psutil.Process) -> str:
    """A process's command line; empty for one that ended (a finished run's process may be a zombie)."""
    with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return " ".join(process.cmdline())
    return ""


def launch(serve: Serve, organization: str, types: tuple[str, ...] | None = ("projects",)) -> str:
    """Launch the inventory job for ``organization`` (only ``types``; None: all) over GraphQL; the run id."""
    selector: dict[str, Any] = {**LOCATION, "jobName": "inventory_job"}
    if types is not None:
        selector["assetSelection"] = [{"path": ["azure_devops", name]} for name in types]
    params = {"selector": selector,
              "executionMetadata": {"tags": [{"key": "dagster/partition", "value": organization}]}}
    answer = serve.wait_for(LAUNCH, lambda data: data["launchRun"]["__typename"] == "LaunchRunSuccess", p=params)
    return answer["launchRun"]["run"]["runId"]


def run_status(serve: Serve, run_id: str) -> str:
    """Wait for the run to end; its final status."""
    return serve.wait_for(RUN, finished, id=run_id)["runOrError"]["status"]


def finished(data: dict[str, Any]) -> bool:
    return data["runOrError"].get("status") in {"SUCCESS", "FAILURE", "CANCELED"}


def cursor_of(data: dict[str, Any]) -> str | None:
    return data["sensorOrError"]["sensorState"]["typeSpecificData"]["lastCursor"]


