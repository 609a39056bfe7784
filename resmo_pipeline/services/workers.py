"""Runs on other machines: Dagster's Celery run launcher with a Redis (or RabbitMQ) broker.

With ``RESMO_RUN_LAUNCHER=celery`` and ``RESMO_CELERY_BROKER=redis://HOST:6379/0``, the instance's dagster.yaml
names ``dagster_celery.launcher.CeleryRunLauncher``: the daemon hands each dequeued run to the broker, and one
``resmo-pipeline worker`` takes it and executes the whole run (every step, with the job's in-process executor).
Whole runs, not steps, go to workers on purpose: a run reads its types ahead in one process and hands parents'
rows to children in memory (``inventory.session``); Dagster's ``celery_executor`` would send each step to another
process, and each would read the run's types again.

The broker URL is referenced as ``{env: RESMO_CELERY_BROKER}`` in dagster.yaml and given to the worker from the
environment, so a broker password is never written to disk (``dagster-celery worker start -y`` would write its
URL into a config module under DAGSTER_HOME, which is why the project has its own ``worker`` command). Results
go to the same broker (``RESMO_CELERY_BACKEND`` to choose another), which the daemon's run monitoring asks.

Every worker needs what a run needs: the same ``RESMO_INSTANCE_DB`` (and password), the organizations' secret
variables, and the same warehouse. The single-file DuckDB warehouse is one file on one machine: workers on other
machines need a shared warehouse (DuckLake) or a shared ``RESMO_HOME``.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery

LAUNCHER_ENV = "RESMO_RUN_LAUNCHER"
BROKER_ENV = "RESMO_CELERY_BROKER"
BACKEND_ENV = "RESMO_CELERY_BACKEND"
QUEUE = "dagster"  # dagster-celery's queue name, which its task routes use
LAUNCHERS = ("default", "celery")
# One run per worker process at a time, taken only when it starts (acks_late with prefetch 1): a busy worker
# never holds a second run back from an idle one. result_extended records which worker ran it.
CELERY_SETTINGS: dict[str, Any] = {
    "worker_prefetch_multiplier": 1,
    "task_acks_late": True,
    "result_extended": True,
    "broker_connection_retry_on_startup": True,
}


class CeleryConfigError(ValueError):
    """The Celery settings are incomplete; the message names the variable to set."""


def launcher() -> str:
    """``default`` (runs start as processes beside the daemon) or ``celery``, from ``RESMO_RUN_LAUNCHER``."""
    value = os.environ.get(LAUNCHER_ENV, "").strip().lower() or "default"
    if value not in LAUNCHERS:
        raise CeleryConfigError(f"{LAUNCHER_ENV} must be one of {', '.join(LAUNCHERS)}, not {value!r}")
    if value == "celery" and not os.environ.get(BROKER_ENV, "").strip():
        raise CeleryConfigError(f"{LAUNCHER_ENV}=celery needs the broker URL in {BROKER_ENV}, "
                                "e.g. redis://127.0.0.1:6379/0")
    return value


def backend_env() -> str:
    """The variable holding the result backend's URL (the broker's unless ``RESMO_CELERY_BACKEND`` is set)."""
    return BACKEND_ENV if os.environ.get(BACKEND_ENV, "").strip() else BROKER_ENV


def run_launcher_config() -> dict[str, Any] | None:
    """The instance's ``run_launcher`` block for Celery (None: Dagster's default launcher)."""
    if launcher() != "celery":
        return None
    return {
        "module": "dagster_celery.launcher",
        "class": "CeleryRunLauncher",
        "config": {
            "broker": {"env": BROKER_ENV},
            "backend": {"env": backend_env()},
            "default_queue": QUEUE,
            "config_source": dict(CELERY_SETTINGS),
        },
    }


def worker_app() -> Celery:
    """The Celery app a worker serves: dagster-celery's run tasks, configured from the environment."""
    from dagster_celery.config import DEFAULT_CONFIG
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_execute_job_task, create_resume_job_task

    if not os.environ.get(BROKER_ENV, "").strip():
        raise CeleryConfigError(f"set {BROKER_ENV} to the broker URL, e.g. redis://127.0.0.1:6379/0")
    app = make_app(app_args={
        "broker": os.environ[BROKER_ENV],
        "backend": os.environ[backend_env()],
        "include": [],
        "config_source": {**DEFAULT_CONFIG, **CELERY_SETTINGS},
        "task_default_queue": QUEUE,
    })
    create_execute_job_task(app)
    create_resume_job_task(app)
    return app


def run_worker(name: str | None = None, concurrency: int = 1, loglevel: str = "INFO") -> int:
    """Serve runs from the broker until stopped (SIGTERM: warm shutdown, the runs under way finish first).

    Each run gets a fresh process (``--max-tasks-per-child 1``), as Dagster's default launcher gives it.
    """
    from resmo_pipeline.instance import prepare_dagster_home

    os.environ.setdefault(LAUNCHER_ENV, "celery")
    launcher()  # the worker's instance must launch like the daemon's, and the broker must be set
    prepare_dagster_home()  # dagster-celery's task opens the instance from DAGSTER_HOME
    app = worker_app()
    node = f"{name or 'resmo'}@{socket.gethostname()}"
    app.worker_main(["worker", "-n", node, "-Q", QUEUE, "-c", str(concurrency), "--max-tasks-per-child", "1",
                     "--loglevel", loglevel, "--without-gossip", "--without-mingle"])
    return 0
