"""``resmo-pipeline serve``: the Dagster webserver and daemon on the instance under ``RESMO_HOME``.

The two are Dagster's own programs (``dagster-webserver`` and ``dagster-daemon run``), started as child
processes on one generated workspace file, with ``DAGSTER_HOME`` prepared by ``resmo_pipeline.instance``. Runs
launched from the UI, the schedule or the sensors go through Dagster's queued run coordinator, which the daemon
drains: at most ``--max-concurrent-runs`` at once and one per organization (the ``dagster/partition`` tag limit
in dagster.yaml), so two syncs of one organization never race on its partition.

This process only supervises: Ctrl-C or SIGTERM stops both children (SIGTERM to each one's process group, which
holds its code server too, then SIGKILL after a grace period) and exits 0; when one child ends by itself the
other is stopped and the command exits 1, so that systemd or a container runtime restarts the pair.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from resmo_pipeline import settings
from resmo_pipeline.services import storage
from resmo_pipeline.services.instance_config import MAX_CONCURRENT_RUNS_ENV, TEMPLATE_PATH, instance_config

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
LOCATION_NAME = "resmo_pipeline"
DEFINITIONS_MODULE = "resmo_pipeline.definitions"
STOP_GRACE_S = 30.0
POLL_S = 0.5
EXIT_CHILD_DIED = 1

Printer = Callable[[str], None]


class ServeError(Exception):
    """``serve`` cannot start (missing program, port in use); the message says what to do."""


@dataclass
class Child:
    """One supervised program."""

    name: str
    process: subprocess.Popen[bytes]

    def group_alive(self) -> bool:
        """Whether any process of this child's process group (its code server included) still runs."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


def write_workspace(dagster_home: Path) -> Path:
    """A workspace file in ``DAGSTER_HOME`` that loads the definitions with this Python, installed or not."""
    root = TEMPLATE_PATH.parent if TEMPLATE_PATH.exists() else Path.cwd()
    workspace = {"load_from": [{"python_module": {
        "module_name": DEFINITIONS_MODULE,
        "working_directory": str(root),
        "location_name": LOCATION_NAME,
        "executable_path": sys.executable,
    }}]}
    path = dagster_home / "workspace.yaml"
    text = yaml.safe_dump(workspace, sort_keys=False)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def program(name: str) -> str:
    """The path of a console script installed beside this Python (the same virtual environment), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise ServeError(f"{name} is not installed in this environment: pip install dagster-webserver")
    return found


def port_is_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound now (the webserver would otherwise fail after seconds of start-up)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def commands(workspace: Path, host: str, port: int) -> dict[str, list[str]]:
    """The two programs ``serve`` runs, by name."""
    return {
        "dagster-webserver": [program("dagster-webserver"), "-w", str(workspace), "-h", host, "-p", str(port)],
        "dagster-daemon": [program("dagster-daemon"), "run", "-w", str(workspace)],
    }


def prepare(max_concurrent_runs: int | None) -> tuple[Path, dict[str, str]]:
    """Write the instance's dagster.yaml and the workspace; returns (workspace, environment for the children).

    The limit goes into the environment too, so a child that writes the instance file again keeps it.
    """
    from resmo_pipeline.instance import prepare_dagster_home

    if max_concurrent_runs is not None:
        os.environ[MAX_CONCURRENT_RUNS_ENV] = str(max_concurrent_runs)
    home = prepare_dagster_home()
    env = dict(os.environ, RESMO_HOME=str(settings.resmo_home()), DAGSTER_HOME=str(home))
    return write_workspace(home), env


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    max_concurrent_runs: int | None = None,
    printer: Printer = print,
) -> int:
    """Run the webserver and the daemon until Ctrl-C / SIGTERM (exit 0) or until one of them ends (exit 1)."""
    if not port_is_free(host, port):
        raise ServeError(f"{host}:{port} is in use: choose another with --port")
    workspace, env = prepare(max_concurrent_runs)
    storage.check_connection()
    runs = instance_config(Path(env["DAGSTER_HOME"]) / "storage").get("concurrency", {}).get("runs", {})
    stop = threading.Event()
    requested: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        requested.append(signal.Signals(signum).name)
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    children: list[Child] = []
    try:
        for name, command in commands(workspace, host, port).items():
            # Own sessions: a terminal's Ctrl-C reaches only this process, which stops the children in order.
            process = subprocess.Popen(command, cwd=workspace.parent, env=env, start_new_session=True)
            children.append(Child(name, process))
        printer(f"Dagster UI on http://{host}:{port} with the daemon; instance: {storage.describe()}; "
                f"at most {runs.get('max_concurrent_runs', '?')} runs at once, one per organization. "
                "Ctrl-C stops both.")
        died = _supervise(children, stop)
    finally:
        _stop_all(children, printer)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if died is not None:
        printer(f"{died.name} exited on its own (code {died.process.returncode}): stopped the other; exit 1")
        return EXIT_CHILD_DIED
    printer(f"Stopped ({', '.join(requested) or 'requested'}): webserver and daemon ended")
    return 0


def _supervise(children: Sequence[Child], stop: threading.Event) -> Child | None:
    """Wait for a stop request (None) or for the first child that ends by itself (that child)."""
    while not stop.wait(POLL_S):
        for child in children:
            if child.process.poll() is not None:
                return child
    return None


def _stop_all(children: Sequence[Child], printer: Printer) -> None:
    """SIGTERM every child's process group, wait for them to end, SIGKILL what is left after the grace period."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while any(child.group_alive() or child.process.poll() is None for child in children):
        if time.monotonic() > deadline:
            for child in children:
                if child.group_alive():
                    printer(f"{child.name} did not stop within {STOP_GRACE_S:.0f} s: killed")
                    child.signal_group(signal.SIGKILL)
            break
        time.sleep(0.1)
        for child in children:
            child.process.poll()  # reaps the leader, so that its group can empty
    for child in children:
        try:
            child.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
