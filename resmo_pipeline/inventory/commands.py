"""``resmo-pipeline sync``: collect organizations now, through the Dagster instance under ``RESMO_HOME``.

The inventory job runs in this process (in-process executor) against the persistent instance, so the runs show
in the Dagster UI with the organization as partition, and progress is printed per resource type as it finishes.
``--types`` reads the named types and the parents they are read per row of (``inventory.selection``); the types
read per row of them, or computed from them, only with ``--with-dependents``.

Ctrl-C stops a sync cleanly. Dagster's in-process executor raises the interrupt inside the running step, at
any line (the warehouse write included), and an asset's retry policy turns it into a retry, so the run carried on
(dagster-io/dagster#15026). The run therefore executes in a worker thread, where Dagster leaves SIGINT alone, and
the first Ctrl-C reaches this thread as KeyboardInterrupt: it marks the run as canceling in the instance (as
Terminate in the UI does), and stops the run's reads (``inventory.session.request_stop``). The step writing keeps
writing (one transaction per type), the step waiting for its rows fails without a retry, and each later step
fails before it reads anything, so the run ends canceled; every type not written keeps its earlier rows. The
summary names the types written and the ones kept, and the command exits 130. A second Ctrl-C exits at once.

Dagster and the catalog are imported when a sync starts, not when the CLI builds its parser.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO, TypeVar

from resmo_pipeline import settings

if TYPE_CHECKING:
    import dagster as dg

    from resmo_pipeline.inventory import progress
    from resmo_pipeline.inventory.selection import TypeSelection


# The progress lines are the terminal output; Dagster's own event lines stay in the run's log (and the UI).
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
STOPPING = ("Stopping (Ctrl-C): no new resource type is started; a type being written is finished, one being "
            "read is dropped. Press Ctrl-C again to quit at once.")

T = TypeVar("T")


@dataclass
class SyncResult:
    """The outcome of syncing one organization."""

    organization: str
    run_id: str
    success: bool
    seconds: float
    collected: list[str] = field(default_factory=list)
    not_collected: dict[str, str] = field(default_factory=dict)  # type -> missing PAT scope
    unavailable: dict[str, str] = field(default_factory=dict)  # type -> why it is not offered (404, HTML, off)
    skipped: dict[str, list[str]] = field(default_factory=dict)  # type -> projects left out, each with why
    failed: dict[str, str] = field(default_factory=dict)  # type -> error
    rows: dict[str, int] = field(default_factory=dict)  # type -> rows collected
    requests: int = 0
    #: Types read that were not asked for, each with why (parents of the asked ones; dependents on request).
    extra: dict[str, str] = field(default_factory=dict)
    #: Stopped by Ctrl-C: the types this run wrote (type -> rows written), and the selected types it did not
    #: write, which keep the rows they had.
    interrupted: bool = False
    written: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    run_status: str = ""  # how the run ended in the Dagster instance (set when stopped)

    @property
    def total_rows(self) -> int:
        """Rows collected over every type."""
        return sum(self.rows.values())


class SyncError(Exception):
    """A sync that cannot start (unknown organization, unknown resource type), with a message for people."""


def select(types: Sequence[str], with_dependents: bool = False, with_parents: bool = True) -> TypeSelection:
    """The types a sync of ``types`` reads (see ``inventory.selection``); SyncError names unknown ones."""
    from resmo_pipeline.inventory.selection import select_types

    try:
        return select_types(types, with_dependents=with_dependents, with_parents=with_parents)
    except KeyError as exc:
        raise SyncError(exc.args[0]) from None


def sync(
    organizations: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    printer: Callable[[str], None] = print,
    with_dependents: bool = False,
    read_parents: bool = True,
) -> list[SyncResult]:
    """Sync the given organizations (default: every enabled one) now.

    ``types`` limits it to those types and the parents they are read per row of; ``with_dependents`` adds the
    types read per row of them or computed from them. ``read_parents=False`` reads only ``types`` and takes
    their parents' rows from the warehouse, as the change sensor does. Returns one result per organization, in
    order.
    """
    from resmo_pipeline.catalog import RESOURCE_TYPES
    from resmo_pipeline.definitions import build_definitions
    from resmo_pipeline.instance import get_instance
    from resmo_pipeline.integrations.registry import Registry
    from resmo_pipeline.inventory.jobs import INVENTORY_JOB, refresh_asset_keys
    from resmo_pipeline.inventory.partitions import ensure_organizations

    selection = select(types, with_dependents, read_parents) if types else None
    registry = Registry()
    if organizations:
        names = [registry.get(name).name for name in organizations]
    else:
        names = [integration.name for integration in registry.list() if integration.enabled]
    if not names:
        raise SyncError("No organization to sync. Connect one with `resmo-pipeline integrations add`.")

    with get_instance() as instance:
        defs = build_definitions()
        job = defs.resolve_job_def(INVENTORY_JOB)
        keys = refresh_asset_keys(defs, selection.names) if selection else None
        total = len(selection.names) if selection else len(RESOURCE_TYPES)
        ensure_organizations(instance, names)
        results = []
        for index, organization in enumerate(names):
            result = _sync_one(job, instance, organization, keys, total, printer)
            if selection:
                result.extra = {name: selection.extra[name] for name in selection.names if name in selection.extra}
            registry.record_sync(organization, "success" if result.success else "failure")
            results.append(result)
            if result.interrupted:
                if names[index + 1:]:
                    printer(f"Not synced (stopped before): {', '.join(names[index + 1:])}")
                return results
    _refresh_coverage(printer)
    return results


def _refresh_coverage(printer: Callable[[str], None]) -> None:
    """Keep compliance.coverage in step with the rules loaded now (a problem there never fails the sync)."""
    import duckdb

    from resmo_pipeline.compliance.coverage import refresh_coverage

    try:
        refresh_coverage(settings.warehouse_path())
    except (duckdb.Error, OSError, ValueError) as exc:
        printer(f"Could not update compliance.coverage (the synced data is kept): {exc}")


def _sync_one(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    organization: str,
    selection: list[dg.AssetKey] | None,
    total: int,
    printer: Callable[[str], None],
) -> SyncResult:
    from resmo_pipeline.inventory import progress

    printer(f"Syncing {organization} ({total} resource types)")
    events: list[progress.TypeProgress] = []
    printing = progress.ProgressPrinter(total, printer)

    def listener(event: progress.TypeProgress) -> None:
        if event.organization == organization:
            events.append(event)
            printing(event)

    # Chosen here, so that Ctrl-C can mark the run canceling while it executes.
    run_id = str(uuid.uuid4())
    started = time.monotonic()
    with progress.listening(listener):
        outcome, interrupted = _execute_stoppably(
            lambda: job.execute_in_process(
                instance=instance,
                partition_key=organization,
                asset_selection=selection,
                raise_on_error=False,
                run_id=run_id,
                tags={"resmo/trigger": "cli"},
                run_config=QUIET_CONSOLE,
            ),
            lambda: _report_canceling(instance, run_id),
            printer,
        )
    result = _summarise(organization, outcome.run_id, outcome.success, time.monotonic() - started, events)
    if interrupted:
        from resmo_pipeline.catalog import RESOURCE_TYPES

        result.interrupted = True
        result.written = _written(outcome)
        names = [key.path[-1] for key in selection] if selection else list(RESOURCE_TYPES)
        result.kept = [name for name in names if name not in result.written]
        run = instance.get_run_by_id(outcome.run_id)
        result.run_status = run.status.value.lower() if run else "unknown"
    return result


def _execute_stoppably(
    execute: Callable[[], T], on_stop: Callable[[], None], printer: Callable[[str], None]
) -> tuple[T, bool]:
    """``execute()``, and whether Ctrl-C asked it to stop (see the module's docstring).

    Off the main thread (a caller's own thread) signals cannot reach this code: it runs ``execute`` as it is.
    """
    from resmo_pipeline.inventory import session

    if threading.current_thread() is not threading.main_thread():
        return execute(), False
    done: Future[T] = Future()

    def work() -> None:
        try:
            done.set_result(execute())
        except BaseException as exc:  # handed to the waiting thread, which raises it
            done.set_exception(exc)

    # A daemon: a second Ctrl-C ends the process without waiting for it.
    threading.Thread(target=work, name="resmo-sync", daemon=True).start()
    stopping = False
    stderr = sys.stderr
    held = io.StringIO()
    try:
        while True:
            try:
                # With a timeout: the kernel may hand SIGINT to any thread, and Python runs the handler only
                # when the main thread runs again, which an untimed wait would postpone to the run's end.
                return done.result(timeout=0.1), stopping
            except TimeoutError:
                continue
            except KeyboardInterrupt:
                if stopping:
                    _exit_now(printer, stderr)
                stopping = True
                try:
                    printer(STOPPING)
                    # Dagster logs every step it stops as an error with a stack trace (dozens of them): they
                    # stay in the run's log, the terminal gets the summary. Its console handler looks up
                    # sys.stderr for each record.
                    sys.stderr = held
                    session.request_stop()
                    on_stop()
                except KeyboardInterrupt:
                    _exit_now(printer, stderr)
    finally:
        sys.stderr = stderr
        session.clear_stop()


def _exit_now(printer: Callable[[str], None], stderr: TextIO) -> None:
    sys.stderr = stderr
    printer("Quit at once (second Ctrl-C): a type being written is not committed, so it keeps its earlier rows; "
            "the Dagster run may stay marked as canceling.")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def _report_canceling(instance: dg.DagsterInstance, run_id: str) -> None:
    """Mark the run canceling, so that it ends canceled rather than failed (as Terminate in the UI does)."""
    run = instance.get_run_by_id(run_id)
    if run is not None and not run.is_finished:
        instance.report_run_canceling(run, message="Ctrl-C in resmo-pipeline sync: no new resource type is started.")


def _written(outcome: dg.ExecuteInProcessResult) -> dict[str, int]:
    """The types the run wrote to the warehouse, with the rows written (types whose earlier rows were kept, e.g.
    not collected for a missing PAT scope, are not among them)."""
    from resmo_pipeline.inventory.assets import KEY_PREFIX

    written: dict[str, int] = {}
    for event in outcome.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        rows = materialization.metadata.get("dagster/row_count")
        # The IO manager records the rows it wrote; a step that kept the earlier rows records none.
        if rows is not None and materialization.asset_key.path[0] == KEY_PREFIX:
            written[materialization.asset_key.path[-1]] = int(getattr(rows, "value", rows))
    return written


def _summarise(
    organization: str, run_id: str, success: bool, seconds: float, events: list[progress.TypeProgress]
) -> SyncResult:
    result = SyncResult(organization=organization, run_id=run_id, success=success, seconds=seconds)
    for event in events:
        result.requests += event.requests
        if event.skipped:
            result.skipped[event.resource_type] = list(event.skipped)
        if event.status == "collected":
            result.collected.append(event.resource_type)
            result.rows[event.resource_type] = event.rows
        elif event.status == "not_collected":
            result.not_collected[event.resource_type] = event.detail
        elif event.status == "unavailable":
            result.unavailable[event.resource_type] = event.detail
        else:
            result.failed[event.resource_type] = event.detail
    return result


def format_results(results: Sequence[SyncResult]) -> str:
    """A short table: one line per organization with its outcome and figures."""
    header = f"{'organization':<24} {'status':<8} {'types':>5} {'refused':>7} {'failed':>6} {'rows':>9} " \
             f"{'requests':>8} {'seconds':>7}"
    lines = [header, "-" * len(header)]
    for result in results:
        status = "stopped" if result.interrupted else "ok" if result.success else "FAILED"
        lines.append(
            f"{result.organization:<24} {status:<8} {len(result.collected):>5} "
            f"{len(result.not_collected):>7} {len(result.failed):>6} {result.total_rows:>9} "
            f"{result.requests:>8} {result.seconds:>7.1f}"
        )
    extra = next((result.extra for result in results if result.extra), {})
    if extra:
        lines.append("Also read: " + "; ".join(f"{name} ({why})" for name, why in extra.items()))
    for result in results:
        for name, scope in result.not_collected.items():
            lines.append(f"{result.organization}: {name} not collected (the credential lacks PAT scope {scope})")
        for name, reason in result.unavailable.items():
            lines.append(f"{result.organization}: {name} unavailable (earlier rows kept): {reason}")
        for name, projects in result.skipped.items():
            for project in projects:
                lines.append(f"{result.organization}: {name} skipped {project}")
        for name, error in result.failed.items():
            lines.append(f"{result.organization}: {name} failed: {error}")
    for result in results:
        if result.interrupted:
            lines.extend(_stopped_lines(result))
    return "\n".join(lines)


def _stopped_lines(result: SyncResult) -> list[str]:
    written = ", ".join(f"{name} ({rows} rows)" for name, rows in result.written.items()) or "none"
    kept = ", ".join(result.kept) or "none"
    return [
        f"{result.organization}: stopped by Ctrl-C; Dagster run {result.run_id}: {result.run_status}",
        f"{result.organization}: written in this run ({len(result.written)} types): {written}",
        f"{result.organization}: kept their previous data ({len(result.kept)} types): {kept}",
    ]


def _run(args: argparse.Namespace) -> int:
    from resmo_pipeline.integrations.registry import IntegrationError

    types = [name.strip() for name in args.types.split(",") if name.strip()] if args.types else None
    if args.with_dependents and not types:
        print("error: --with-dependents widens --types; without --types every type is synced anyway")
        return 2
    try:
        results = sync(args.organizations, types, with_dependents=args.with_dependents)
    except (SyncError, IntegrationError) as exc:
        print(f"error: {exc}")
        return 2
    print(format_results(results))
    if any(result.interrupted for result in results):
        return EXIT_INTERRUPTED
    return 0 if all(result.success for result in results) else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sync`` to the command line."""
    parser = subparsers.add_parser(
        "sync",
        help="collect organizations now (every enabled one by default)",
        description="Collect the inventory of the given organizations (default: every enabled one) into the "
        "warehouse, through the Dagster instance under RESMO_HOME; the runs appear in the Dagster UI.",
    )
    parser.add_argument("organizations", nargs="*", metavar="ORG", help="organizations to sync")
    parser.add_argument(
        "--types", metavar="TYPE,TYPE",
        help="only these comma-separated resource types, plus the parents they are read per row of",
    )
    parser.add_argument(
        "--with-dependents", action="store_true",
        help="with --types: also the types read per row of them or computed from them",
    )
    parser.set_defaults(handler=_run)
