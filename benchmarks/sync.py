"""How long a full sync through Dagster takes compared with the API client alone reading the same data.

Starts the simulator in a child process (`--in-process` keeps it in this one) with the chosen preset and
latency, connects its organization in a fresh RESMO_HOME, runs the full sync through Dagster (the in-process
executor path `resmo-pipeline sync` uses) into a fresh warehouse, then reads everything once more with the
client alone (`collect_all`, the floor any sync is measured against). Prints one JSON object:

    wall_s          the Dagster sync, end to end
    client_read_s   the client alone reading the same data
    ratio           wall_s / client_read_s (target <= 1.2)
    ideal_s         requests x latency / concurrency: a perfectly busy client pool; client_ratio =
                    client_read_s / ideal_s (target <= 1.25)
    requests, rows  of the Dagster sync
    peak_rss_mb     peak resident memory of this process and its children during the (first) sync, the
                    simulated Azure DevOps excluded (it stands in for the remote service); client_peak_rss_mb
                    is the client-only read (after both syncs, so it starts from what they left allocated)
    second_sync_requests  a second sync of the unchanged organization right after the first: its requests
                    per type and "total"; second_sync_wall_s its time, second_sync_peak_rss_mb its peak
    rules_s         time the sync spent in the rules' asset checks (evaluating them, updating findings)
    permissions_s   time the sync spent computing effective permissions and roles (their steps);
                    permission_rows the rows of effective_permissions, permission_objects and effective_roles
    rule_violations each rule's violations after the first sync ("not_evaluable" / "error" when it did not run)
    slowest_rules_ms  the ten slowest rules of that run (evaluation and findings update, per rule)
    rules_flagging_most  rules that flag at least 90 % of the rows of a resource type they judge (10 rows or
                    more): on generated data that is a bug in the rule or in the simulator, not a finding
    load_avg        the 1-minute load average before the sync (how busy the machine was)

Targets on `large`: ratio <= 1.2, client_ratio <= 1.25, peak_rss_mb <= 1024.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from typing import Any

import psutil

PAT_ENV = "RESMO_BENCH_PAT"


class PeakMemory:
    """Samples the resident memory of this process and its children until stopped; keeps the peak."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        process = psutil.Process()
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            try:
                if "simulator" not in child.cmdline():  # the stand-in for the remote service
                    total += child.memory_info().rss
            except psutil.Error:
                continue
        self.peak_bytes = max(self.peak_bytes, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def run(
    preset: str, latency_ms: int, concurrency: int, in_process: bool = False, second_sync: bool = True
) -> dict[str, Any]:
    """Measure one preset in a throw-away RESMO_HOME; returns the JSON-able result."""
    with tempfile.TemporaryDirectory(prefix="resmo-bench-") as home:
        os.environ["RESMO_HOME"] = home
        os.environ["DAGSTER_HOME"] = os.path.join(home, "dagster")
        return _measure(preset, latency_ms, concurrency, in_process, second_sync)


def _measure(preset: str, latency_ms: int, concurrency: int, in_process: bool, second_sync: bool) -> dict[str, Any]:
    # Imported after RESMO_HOME is set: the definitions read it when they are built.
    # The same simulator launchers as the client benchmark (this folder is on sys.path when run as a script).
    from client_read import child_simulator, in_process_simulator

    from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
    from resmo_pipeline.integrations.registry import Integration, Registry
    from resmo_pipeline.inventory import progress
    from resmo_pipeline.inventory.collect import collect_all
    from resmo_pipeline.inventory.commands import sync

    launch = in_process_simulator if in_process else child_simulator
    load_avg = os.getloadavg()[0]
    with launch(preset, "contoso", latency_ms) as sim:
        os.environ[PAT_ENV] = sim.pat
        Registry().add(Integration(name=sim.organization, base_url=sim.base_url, pat_env=PAT_ENV))

        # The sync first, so its memory peak is its own (Python rarely gives freed memory back to the system).
        with PeakMemory() as sync_memory:
            started = time.perf_counter()
            [result] = sync([sim.organization], printer=lambda _line: None)
            wall_s = time.perf_counter() - started

        # Nothing changed in between: what a scheduled sync of a quiet organization costs.
        second: dict[str, Any] = {}
        if second_sync:
            requests: dict[str, int] = {}

            def count(event: progress.TypeProgress) -> None:
                requests[event.resource_type] = requests.get(event.resource_type, 0) + event.requests

            with PeakMemory() as second_memory, progress.listening(count):
                started = time.perf_counter()
                [again] = sync([sim.organization], printer=lambda _line: None)
                second = {
                    "second_sync_wall_s": round(time.perf_counter() - started, 2),
                    "second_sync_success": again.success,
                    "second_sync_requests": {**dict(sorted(requests.items())), "total": again.requests},
                }
            second["second_sync_peak_rss_mb"] = round(second_memory.peak_bytes / 2**20, 1)

        with PeakMemory() as client_memory:
            started = time.perf_counter()
            with AzureDevOpsClient(
                sim.organization, PatCredential(sim.pat), base_url=sim.base_url, concurrency=concurrency
            ) as client:
                client_rows = sum(len(r.rows) for r in collect_all(client).values())
                client_requests = client.stats.requests
            client_read_s = time.perf_counter() - started

    ideal_s = client_requests * latency_ms / 1000 / concurrency
    return {
        "preset": preset,
        "latency_ms": latency_ms,
        "load_avg": round(load_avg, 2),
        "wall_s": round(wall_s, 2),
        "client_read_s": round(client_read_s, 2),
        "ratio": round(wall_s / client_read_s, 2) if client_read_s else None,
        "ideal_s": round(ideal_s, 2),
        "client_ratio": round(client_read_s / ideal_s, 2) if ideal_s else None,
        "requests": result.requests,
        "client_requests": client_requests,
        "rows": result.total_rows,
        "client_rows": client_rows,
        "types": len(result.collected),
        "not_collected": sorted(result.not_collected),
        "failed": sorted(result.failed),
        "success": result.success,
        # With --in-process the simulator's own data is part of this figure.
        "simulator": "in-process" if in_process else "child-process",
        "peak_rss_mb": round(sync_memory.peak_bytes / 2**20, 1),
        "client_peak_rss_mb": round(client_memory.peak_bytes / 2**20, 1),
        "rules_s": round(_rules_seconds(result.run_id), 2),
        **_permissions(result.run_id),
        **_rule_outcomes(result.run_id),
        **second,
    }


def _rule_outcomes(run_id: str) -> dict[str, Any]:
    """Violations per rule in the first sync's run, the slowest rules, and the rules flagging (nearly) every
    resource of a type they judge (a rule may judge several types; each is compared with its own table)."""
    from resmo_pipeline import settings
    from resmo_pipeline.warehouse import read_connection

    with read_connection(settings.warehouse_path()) as conn:
        results = conn.execute(
            "SELECT rule_id, status, violations, duration_ms FROM compliance.rule_results WHERE run_id = ?"
            " ORDER BY rule_id",
            [run_id],
        ).fetchall()
        per_type = conn.execute(
            "SELECT rule_id, resource_type, count(*) FROM compliance.findings"
            " WHERE last_run_id = ? AND status <> 'resolved' GROUP BY ALL",
            [run_id],
        ).fetchall()
        tables = {row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'azure_devops'").fetchall()}
        sizes = {
            table: conn.execute(f'SELECT count(*) FROM azure_devops."{table}"').fetchone()[0]
            for table in {resource_type for _, resource_type, _ in per_type} & tables
        }
    violations = {rule_id: count if status in ("passed", "failed") else status for rule_id, status, count, _ in results}
    slowest = sorted(((ms or 0.0, rule_id) for rule_id, _, _, ms in results), reverse=True)[:10]
    flagging_most = [
        {"rule": rule_id, "resource_type": resource_type, "violations": count, "rows": sizes[resource_type]}
        for rule_id, resource_type, count in sorted(per_type)
        if sizes.get(resource_type, 0) >= 10 and count >= 0.9 * sizes[resource_type]
    ]
    return {
        "rule_violations": violations,
        "slowest_rules_ms": {rule_id: round(ms, 1) for ms, rule_id in slowest},
        "rules_flagging_most": flagging_most,
    }


PERMISSION_STEPS = ("effective_permissions", "azure_devops__effective_roles")


def _permissions(run_id: str) -> dict[str, Any]:
    """Seconds the run's permission steps took, and the rows they wrote."""
    import dagster as dg

    from resmo_pipeline import settings
    from resmo_pipeline.permissions import PERMISSION_TABLES
    from resmo_pipeline.warehouse import read_connection

    with dg.DagsterInstance.get() as instance:
        seconds = sum(
            (stats.end_time or 0.0) - (stats.start_time or 0.0)
            for stats in instance.get_run_step_stats(run_id)
            if stats.step_key in PERMISSION_STEPS
        )
    with read_connection(settings.warehouse_path()) as conn:
        rows = {table: conn.execute(f'SELECT count(*) FROM azure_devops."{table}"').fetchone()[0]
                for table in PERMISSION_TABLES}
    return {"permissions_s": round(seconds, 2), "permission_rows": rows}


def _rules_seconds(run_id: str) -> float:
    import dagster as dg

    from resmo_pipeline.compliance.checks import compliance_seconds
    from resmo_pipeline.compliance.loader import load_rules

    with dg.DagsterInstance.get() as instance:
        return compliance_seconds(instance, run_id, load_rules().rules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="medium", choices=("demo", "medium", "large"))
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16, help="client pool size (as the sync uses)")
    parser.add_argument("--in-process", action="store_true", help="run the simulator in this process")
    parser.add_argument("--no-second-sync", action="store_true", help="skip the second (unchanged) sync")
    args = parser.parse_args()
    print(json.dumps(run(args.preset, args.latency_ms, args.concurrency, args.in_process, not args.no_second_sync)))


if __name__ == "__main__":
    main()
