"""``resmo-pipeline serve`` (the Dagster webserver and daemon, ``services.serve``) and ``resmo-pipeline worker``
(a Celery worker executing runs, ``services.workers``).

Only the standard library is imported here; the handler imports the rest when it runs.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
EXIT_CONFIG = 2


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def _serve(args: argparse.Namespace) -> int:
    from resmo_pipeline.services.serve import ServeError, serve

    try:
        return serve(host=args.host, port=args.port, max_concurrent_runs=args.max_concurrent_runs,
                     printer=lambda line: print(line, flush=True))
    except (ServeError, ValueError) as exc:  # ValueError: RESMO_INSTANCE_DB and friends, with their fix
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def _worker(args: argparse.Namespace) -> int:
    from resmo_pipeline.services.workers import run_worker

    try:
        return run_worker(name=args.name, concurrency=args.concurrency, loglevel=args.loglevel)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` and ``worker`` to the CLI."""
    parser = subparsers.add_parser(
        "serve",
        help="run the Dagster webserver and daemon (schedules, sensors, queued runs) until Ctrl-C",
        description="Runs dagster-webserver and dagster-daemon on the instance under RESMO_HOME (PostgreSQL when "
        "RESMO_INSTANCE_DB is set, with its password in RESMO_INSTANCE_DB_PASSWORD). Runs are queued: at most "
        "--max-concurrent-runs at once, one per organization. Ctrl-C or SIGTERM stops both; the command exits "
        "non-zero when either ends by itself.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address the UI listens on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"UI port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--max-concurrent-runs", type=_positive, metavar="N",
        help="runs at once (default: RESMO_MAX_CONCURRENT_RUNS, else dagster.yaml's value, 3)",
    )
    parser.set_defaults(handler=_serve)

    worker = subparsers.add_parser(
        "worker",
        help="execute queued runs handed out by Celery (RESMO_RUN_LAUNCHER=celery, RESMO_CELERY_BROKER)",
        description="A Celery worker for Dagster's Celery run launcher: takes runs from the broker in "
        "RESMO_CELERY_BROKER and executes each whole run in a fresh process. Needs the same RESMO_INSTANCE_DB, "
        "organization secrets and warehouse as serve. SIGTERM finishes the runs under way, then exits.",
    )
    worker.add_argument("--name", help="worker name (default resmo@HOSTNAME)")
    worker.add_argument("--concurrency", type=_positive, default=1, metavar="N",
                        help="runs this worker executes at once (default 1)")
    worker.add_argument("--loglevel", default="INFO", help="Celery log level (default INFO)")
    worker.set_defaults(handler=_worker)
