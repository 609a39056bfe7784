"""`resmo-pipeline demo`: the whole product against the built-in simulated Azure DevOps, no account needed.

The demo is a list of steps, each a small function over a shared ``DemoContext``: start the simulator, connect
its organization, sync (inventory and rules), print a summary, then serve the Dagster UI until Ctrl-C. A new step
(say, a change made in the simulator after the first sync) is one more function in ``STEPS``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from resmo_pipeline import settings
from resmo_pipeline.hints import command, program

# The simulator's PAT lives only in this process's environment (and that of `dagster dev`, its child).
DEMO_PAT_ENV = "RESMO_DEMO_PAT"
DEMO_PRESET = "demo"
DEFAULT_UI_PORT = 3000
# The compliant connection the demo grants to all pipelines after the first sync (rule sc.all_pipelines_access).
DEMO_CHANGED_CONNECTION = "prod-azure-wif"

if TYPE_CHECKING:
    from resmo_pipeline.inventory.commands import SyncResult
    from resmo_pipeline.simulator import Simulator

Printer = Callable[[str], None]


@dataclass
class DemoContext:
    """What the steps share: options, the running simulator, the connected organization, the sync results."""

    ui: bool
    port: int
    printer: Printer
    stack: ExitStack
    simulator: Simulator | None = None
    organization: str = ""
    sync_results: list[SyncResult] = field(default_factory=list)
    exit_code: int = 0


def start_simulator(ctx: DemoContext) -> None:
    """Start the simulated Azure DevOps (demo preset) on a free loopback port, inside this process."""
    # Imported here: every CLI command loads this module, and only the demo needs the simulator.
    from resmo_pipeline.simulator import run_simulator

    ctx.simulator = ctx.stack.enter_context(run_simulator(preset=DEMO_PRESET, host="127.0.0.1", port=0))
    ctx.organization = ctx.simulator.organization.lower()
    os.environ[DEMO_PAT_ENV] = ctx.simulator.pat
    ctx.printer(f"Simulated Azure DevOps organization {ctx.organization!r} at {ctx.simulator.base_url}")


def connect_organization(ctx: DemoContext) -> None:
    """Register the simulated organization (re-pointing an earlier demo's entry at this run's simulator).

    When the demo ends the organization is paused: its simulator is gone, and a later `dagster dev` on the same
    RESMO_HOME should not poll it. The data stays; the next demo resumes it.
    """
    from resmo_pipeline.instance import get_instance
    from resmo_pipeline.integrations import lifecycle
    from resmo_pipeline.integrations.registry import Integration, IntegrationError, Registry, UnknownIntegrationError
    from resmo_pipeline.inventory.partitions import ensure_organizations

    registry = Registry()
    try:
        existing = registry.get(ctx.organization)
    except UnknownIntegrationError:
        integration = Integration(
            name=ctx.organization, auth="pat", pat_env=DEMO_PAT_ENV, base_url=ctx.simulator.base_url
        )
        connected = lifecycle.add_integration(integration, registry=registry)
        ctx.printer(f"Connected {ctx.organization} as {connected.user}")
    else:
        if existing.pat_env != DEMO_PAT_ENV or not existing.base_url:
            raise IntegrationError(
                f"{settings.resmo_home()} already connects a real organization named {ctx.organization!r}; "
                f"run the demo with its own state folder, e.g. RESMO_HOME=.resmo-demo {program()} demo"
            )
        registry.update(ctx.organization, base_url=ctx.simulator.base_url, enabled=True)
        with get_instance() as instance:
            ensure_organizations(instance, [ctx.organization])
        ctx.printer(f"Re-connected {ctx.organization} (registered by an earlier demo) to this simulator")
    ctx.stack.callback(pause_organization, ctx)


def pause_organization(ctx: DemoContext) -> None:
    """Pause the demo organization as its simulator stops (its data stays in the warehouse)."""
    from resmo_pipeline.integrations.registry import Registry

    Registry().disable(ctx.organization)
    ctx.printer(f"Demo over: {ctx.organization} paused (its simulator stopped); its data stays in "
                f"{settings.warehouse_path()}")


def sync_organization(ctx: DemoContext) -> None:
    """Collect every resource type (and evaluate the rules) through the Dagster instance under RESMO_HOME."""
    from resmo_pipeline.inventory.commands import format_results, sync

    ctx.sync_results = sync([ctx.organization], printer=ctx.printer)
    ctx.printer(format_results(ctx.sync_results))
    if not all(result.success for result in ctx.sync_results):
        ctx.exit_code = 1


def print_summary(ctx: DemoContext) -> None:
    """Rows per resource type, the types not collected (and why), and the open findings by severity."""
    from tabulate import tabulate

    from resmo_pipeline.catalog import RESOURCE_TYPES
    from resmo_pipeline.compliance.commands import open_findings_by_severity
    from resmo_pipeline.integrations import status
    from resmo_pipeline.permissions import PERMISSION_TABLES
    from resmo_pipeline.warehouse.access import read_connection

    with status.one_reader():
        counts = status.table_row_counts(ctx.organization).get(ctx.organization, {})
        outcomes = status.latest_collection_status(ctx.organization)
        skipped = status.latest_skipped_projects(ctx.organization)
    rows = []
    for name in RESOURCE_TYPES:
        status, detail = outcomes.get(name, ("not run", None))
        note = "" if status == "collected" else f"{status}{f' ({detail})' if detail else ''}"
        rows.append([f"azure_devops.{name}", counts.get(name, 0), note])
    computed = [[f"azure_devops.{name}", counts.get(name, 0), ""] for name in PERMISSION_TABLES]
    ctx.printer("")
    ctx.printer(tabulate(rows + computed, headers=["table", "rows", "not collected"]))
    not_collected = [row[0] for row in rows if row[2]]
    ctx.printer(f"\n{len(rows) - len(not_collected)} of {len(rows)} resource types collected, "
                f"{len(computed)} permission tables computed, "
                f"{sum(counts.values())} rows in {settings.warehouse_path()}")
    unavailable = {name: detail for name, (status, detail) in outcomes.items() if status == "unavailable"}
    for name, reason in unavailable.items():
        ctx.printer(f"Unavailable here (earlier rows kept): {name}: {reason}")
    for name, projects in skipped.items():
        for project in projects:
            ctx.printer(f"Skipped in {name}: {project}")
    with read_connection(settings.warehouse_path()) as conn:
        findings = open_findings_by_severity(conn, ctx.organization)
    counted = ", ".join(f"{severity} {count}" for severity, count in findings.items())
    ctx.printer(f"Open findings by severity: {counted}")
    ctx.printer(f"Query it: {command('sql', 'select name, visibility from azure_devops.projects')}")
    ctx.printer(f"Saved questions: {command('queries', 'list')}    SQL shell: {command('sql')}")


#: The demo's effective-permissions question: who may push to payments-api's main branch past its policies.
PERMISSION_EXAMPLE = ("Bypass policies when pushing", "repo:Payments/payments-api@main")


def print_permission_example(ctx: DemoContext) -> None:
    """One ``who-can`` answer, with the group and inheritance that grant it."""
    import contextlib
    import io

    from resmo_pipeline.cli import build_parser

    permission, resource = PERMISSION_EXAMPLE
    args = build_parser().parse_args(["who-can", permission, "--on", resource, "--organization", ctx.organization])
    answer = io.StringIO()
    with contextlib.redirect_stdout(answer), contextlib.redirect_stderr(answer):
        args.handler(args)
    ctx.printer(f"\nWho can bypass the policies of payments-api's main branch? "
                f"({command('who-can', permission, '--on', resource)})")
    for line in answer.getvalue().splitlines():
        ctx.printer(line)


def _short(value: object, width: int = 60) -> str:
    text = json.dumps(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _deliver_notifications() -> str:
    from resmo_pipeline.notify.config import load_config
    from resmo_pipeline.notify.deliver import deliver_pending
    from resmo_pipeline.warehouse.access import write_connection

    return deliver_pending(partial(write_connection, settings.warehouse_path()), load_config()).summary()


def show_a_change(ctx: DemoContext) -> None:
    """Make one risky change in the simulator and follow it: audit log → targeted sync → history → finding →
    notification, exactly the path the change sensor and the notification sensor take in production."""
    import requests

    from resmo_pipeline.catalog import RESOURCE_TYPES
    from resmo_pipeline.integrations.credentials import open_client
    from resmo_pipeline.integrations.registry import Registry
    from resmo_pipeline.inventory.commands import sync
    from resmo_pipeline.inventory.sensors import changed_types, structural_types, with_dependents
    from resmo_pipeline.warehouse.access import read_connection

    # The first sync's findings are delivered first, so what follows is only the change's own news.
    ctx.printer(f"\nNotifications for the first sync: {_deliver_notifications()}")
    since = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    connection = next(e for e in ctx.simulator.state.service_endpoints if e["name"] == DEMO_CHANGED_CONNECTION)
    project = connection["serviceEndpointProjectReferences"][0]["projectReference"]["name"]
    response = requests.post(f"{ctx.simulator.admin_url}/changes", timeout=30, json={
        "action": "grant_all_pipelines", "project": project, "resource_type": "endpoint",
        "resource": DEMO_CHANGED_CONNECTION})
    response.raise_for_status()
    answer = response.json()
    ctx.printer(f"Change made in the simulator: {answer['auditEntry']['details']}")

    with open_client(Registry().get(ctx.organization)) as client:
        entries = client.list(RESOURCE_TYPES["audit_log"].endpoint, params={"startTime": since})
    types = changed_types(entries)
    # The audit log comes along, as in the change sensor's runs: it records who made the change.
    selected = sorted(with_dependents(types, structural_types(entries)) | {"audit_log"})
    ctx.printer(f"Audit log: {', '.join(sorted({e['actionId'] for e in entries}))} → refreshing {', '.join(selected)}")
    # As the change sensor does: only the changed types (and what depends on them), parents from the warehouse.
    results = sync([ctx.organization], types=selected, printer=lambda _line: None, read_parents=False)
    if not all(result.success for result in results):
        ctx.exit_code = 1
    changed_since = datetime.fromisoformat(since.replace("Z", "+00:00")).replace(tzinfo=None)
    with read_connection(settings.warehouse_path()) as conn:
        changes = conn.execute(
            "SELECT resource_type, resource_name, change_type, CAST(changed_fields AS VARCHAR) FROM history.changes"
            " WHERE organization = ? AND detected_at >= ? ORDER BY event_seq",
            [ctx.organization, changed_since],
        ).fetchall()
        opened = conn.execute(
            "SELECT rule_id, resource_type, resource_name FROM compliance.finding_events"
            " WHERE organization = ? AND occurred_at >= ? AND kind = 'new_finding' ORDER BY rule_id, resource_name",
            [ctx.organization, changed_since],
        ).fetchall()
    for resource_type, name, change_type, fields_json in changes:
        fields = ", ".join(f"{c['field']}: {_short(c['before'])} → {_short(c['after'])}"
                           for c in json.loads(fields_json or "[]"))
        ctx.printer(f"Change event: {resource_type} {name!r} {change_type}{f' ({fields})' if fields else ''}")
    for rule_id, resource_type, name in opened:
        ctx.printer(f"Finding opened: {rule_id} on {resource_type} {name!r}")
    ctx.printer(f"Notifications for the change: {_deliver_notifications()}")
    log_path = settings.resmo_home() / "notifications.log"
    if log_path.exists():
        last = json.loads(log_path.read_text().splitlines()[-1])
        ctx.printer(f"Last notification ({log_path}): {last['title']}")


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def serve_ui(ctx: DemoContext) -> None:
    """Serve the Dagster UI on the same instance until Ctrl-C; the simulator stays up for scheduled runs."""
    if not ctx.ui:
        return
    from resmo_pipeline.instance import prepare_dagster_home
    from resmo_pipeline.services.serve import write_workspace

    if not _port_is_free(ctx.port):
        ctx.printer(f"Port {ctx.port} is in use: run the demo with --port P (or --no-ui).")
        ctx.exit_code = 1
        return
    dagster_home = prepare_dagster_home()
    # The same workspace `serve` uses: this Python and the package's definitions, with or without the repository.
    workspace = write_workspace(dagster_home)
    env = dict(os.environ, RESMO_HOME=str(settings.resmo_home()), DAGSTER_HOME=str(dagster_home))
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(workspace), "-h", "127.0.0.1",
               "-p", str(ctx.port)]
    ctx.printer(f"\nDagster UI: http://127.0.0.1:{ctx.port}  (Ctrl-C stops the UI and the simulator)")
    process = subprocess.Popen(command, cwd=dagster_home, env=env, start_new_session=True)
    try:
        ctx.exit_code = process.wait() or ctx.exit_code
    except KeyboardInterrupt:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


STEPS: tuple[Callable[[DemoContext], None], ...] = (
    start_simulator,
    connect_organization,
    sync_organization,
    print_summary,
    print_permission_example,
    show_a_change,
    serve_ui,
)


def run_demo(ui: bool = True, port: int = DEFAULT_UI_PORT, printer: Printer = print) -> int:
    """Run every demo step in order; returns the exit code (non-zero when the sync failed)."""
    with ExitStack() as stack:
        ctx = DemoContext(ui=ui, port=port, printer=printer, stack=stack)
        for step in STEPS:
            step(ctx)
        return ctx.exit_code


def _demo(args: argparse.Namespace) -> int:
    from resmo_pipeline.integrations.registry import IntegrationError

    try:
        return run_demo(ui=not args.no_ui, port=args.port, printer=lambda line: print(line, flush=True))
    except IntegrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `demo` to the CLI."""
    parser = subparsers.add_parser(
        "demo",
        help="run everything against the built-in simulated Azure DevOps, then open the Dagster UI",
        description="Starts the simulated Azure DevOps (demo preset), connects its organization, syncs it into "
        "the warehouse under RESMO_HOME (default .resmo), prints a summary, then serves the Dagster UI.",
    )
    parser.add_argument("--no-ui", action="store_true", help="stop after the summary")
    parser.add_argument("--port", type=int, default=DEFAULT_UI_PORT, help=f"UI port (default {DEFAULT_UI_PORT})")
    parser.set_defaults(handler=_demo)
