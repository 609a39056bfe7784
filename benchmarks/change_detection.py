"""What near-real-time change detection costs and how fast a change reaches a notification channel.

Starts the simulator in this process with the chosen preset and latency, connects its organization in a fresh
RESMO_HOME (temporary folder) and runs a full sync through Dagster (the path `resmo-pipeline sync` uses). Then it
plays the daemon: the change-detection sensor ticks every `--interval-s` seconds, so does the notification sensor,
each with its own phase. One service connection is granted to all pipelines through the simulator's admin API at
a uniformly random point of the change sensor's interval; the tick that sees it requests a targeted run, which is
executed at once (launch overhead of a real run worker not included); the notification sensor's next tick
delivers to a local webhook receiver. Prints one JSON object:

    quiet_poll_requests        requests one change-sensor tick makes per organization when nothing happened (<= 3)
    full_sync_requests         requests of the full sync
    targeted_refresh_requests  requests of the targeted run for the one changed setting (<= 5% of full)
    targeted_pct               targeted / full, in percent
    targeted_types             the asset selection the sensor requested
    scoped_types               the types the run re-read only in part (the resources the audit entry names)
    targeted_requests_by_type  requests per type in the targeted run (meta.collection_runs), to see the cost
    requests_changed_types_only  what the targeted run would cost without the dependents the sensor adds
    detect_to_notify_s         change made in the simulator -> the receiver has the message (wall time)
    detect_to_notify_parts     waits and work along the way: change-sensor wait and tick, run, notify wait and tick
    notified                   which notifications arrived (the permission change; the new finding)

Sleeps are real: with the default 30 s interval expect up to a minute of waiting besides the work.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
import yaml

PAT_ENV = "RESMO_BENCH_PAT"
RULE = "sc.all_pipelines_access"


class Receiver:
    """A local webhook receiver noting when each message arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with receiver.arrived:
                    receiver.arrivals.append((time.monotonic(), body))
                    receiver.arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def first(self, about: Callable[[dict[str, Any]], bool]) -> float | None:
        """Arrival time of the first message whose event matches."""
        with self.arrived:
            return next((at for at, body in self.arrivals if any(about(e) for e in body["events"])), None)


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def _write_notifications(home: Path, url: str) -> None:
    document = {
        "channels": {"bench": {"type": "webhook", "url": url}},
        "subscriptions": [
            {"name": "permission-changes", "events": ["change"],
             "filters": {"resource_types": ["pipeline_permissions"], "fields": ["allPipelines"]},
             "channels": ["bench"]},
            {"name": "findings", "events": ["new_finding"], "filters": {"rules": [RULE]}, "channels": ["bench"]},
        ],
        "delivery": {"digest_threshold": 1000},
    }
    (home / "notifications.yaml").write_text(yaml.safe_dump(document))


def _connection_to_grant(sim: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A service connection not yet open to all pipelines of its first project, and that project."""
    for endpoint in sim.state.service_endpoints:
        project_id = endpoint["serviceEndpointProjectReferences"][0]["projectReference"]["id"]
        permission = sim.state.pipeline_permissions.get((project_id, "endpoint", endpoint["id"].lower()), {})
        if not (permission.get("allPipelines") or {}).get("authorized"):
            return endpoint, next(p for p in sim.state.projects if p["id"] == project_id)
    raise SystemExit("every service connection is already open to all pipelines")


def _requests_by_type(warehouse: Path, run_id: str) -> dict[str, int]:
    import duckdb

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = conn.execute(
            "SELECT resource_type, requests FROM meta.collection_runs WHERE run_id = ? ORDER BY requests DESC",
            [run_id],
        ).fetchall()
    finally:
        conn.close()
    return {name: int(count or 0) for name, count in rows}


def run(preset: str, latency_ms: int, interval_s: float, seed: int) -> dict[str, Any]:
    """Set up, sync, change, detect, refresh and notify; returns the figures."""
    home = Path(tempfile.mkdtemp(prefix="resmo-bench-change-"))
    os.environ["RESMO_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    os.environ.pop("RESMO_NOTIFICATIONS", None)

    import dagster as dg

    from resmo_pipeline.definitions import build_definitions
    from resmo_pipeline.instance import get_instance
    from resmo_pipeline.integrations.registry import Integration, Registry
    from resmo_pipeline.inventory.commands import sync
    from resmo_pipeline.inventory.jobs import INVENTORY_JOB
    from resmo_pipeline.inventory.sensors import SENSOR_NAME
    from resmo_pipeline.notify.sensors import notification_sensor
    from resmo_pipeline.simulator import run_simulator

    rng = random.Random(seed)
    receiver = Receiver()
    _write_notifications(home, receiver.url)

    with run_simulator(preset=preset, organization="contoso", latency_ms=latency_ms, seed=seed) as sim:
        os.environ[PAT_ENV] = sim.pat
        organization = sim.organization.lower()
        Registry().add(Integration(name=organization, base_url=sim.base_url, pat_env=PAT_ENV))

        sim.reset_stats()
        started = time.monotonic()
        [full] = sync([organization], printer=lambda _line: None)
        full_sync_s = time.monotonic() - started
        full_sync_requests = sim.stats()["requests"]

        with get_instance() as instance:
            defs = build_definitions()
            change_sensor = defs.resolve_sensor_def(SENSOR_NAME)
            job = defs.resolve_job_def(INVENTORY_JOB)

            def change_tick(cursor: str | None) -> Any:
                with dg.partition_loading_context(dynamic_partitions_store=instance), dg.build_sensor_context(
                    instance=instance, definitions=defs, resources=defs.resources, cursor=cursor
                ) as context:
                    return change_sensor.evaluate_tick(context)

            def notify_tick() -> str:
                with dg.build_sensor_context(instance=instance) as context:
                    return notification_sensor(context).skip_message or ""

            notify_tick()  # the daemon has been running: what the full sync produced is delivered already
            cursor = change_tick(None).cursor
            sim.reset_stats()
            cursor = change_tick(cursor).cursor
            quiet_poll_requests = sim.stats()["requests"]

            connection, project = _connection_to_grant(sim)
            change_phase = rng.uniform(0, interval_s)  # where in the change sensor's interval the change lands
            notify_phase = rng.uniform(0, interval_s)  # the notification sensor ticks on its own schedule
            response = requests.post(f"{sim.admin_url}/changes", timeout=30, json={
                "action": "grant_all_pipelines", "project": project["name"], "resource_type": "endpoint",
                "resource": connection["name"]})
            response.raise_for_status()
            changed_at = time.monotonic()

            next_tick = changed_at + change_phase
            while True:
                _sleep_until(next_tick)
                tick_started = time.monotonic()
                result = change_tick(cursor)
                cursor = result.cursor
                if result.run_requests:
                    break
                next_tick += interval_s
            [request] = result.run_requests
            change_tick_s = time.monotonic() - tick_started

            sim.reset_stats()
            run_started = time.monotonic()
            targeted = job.execute_in_process(instance=instance, partition_key=request.partition_key,
                                              asset_selection=request.asset_selection, tags=request.tags,
                                              raise_on_error=False)
            run_s = time.monotonic() - run_started
            targeted_refresh_requests = sim.stats()["requests"]

            notify_at = changed_at + notify_phase
            while notify_at < time.monotonic():
                notify_at += interval_s
            notify_wait_s = notify_at - time.monotonic()
            summaries: list[str] = []
            notify_tick_s = 0.0
            while receiver.first(lambda e: connection["id"] in e["resource_id"]) is None:
                _sleep_until(notify_at)
                notify_started = time.monotonic()
                summaries.append(notify_tick())
                notify_tick_s = time.monotonic() - notify_started
                notify_at += interval_s
                if len(summaries) > 3:
                    break

        change_seen = receiver.first(lambda e: e["kind"] == "change" and connection["id"] in e["resource_id"])
        finding_seen = receiver.first(lambda e: e["kind"] == "new_finding" and e["resource_name"] == connection["name"])
        first_seen = min((t for t in (change_seen, finding_seen) if t is not None), default=None)
        by_type = _requests_by_type(home / "warehouse.duckdb", targeted.run_id)
        changed = request.tags.get("resmo/changed_types", "").split(",")
        full_by_type = _requests_by_type(home / "warehouse.duckdb", full.run_id)

    receiver.server.shutdown()
    return {
        "preset": preset,
        "latency_ms": latency_ms,
        "interval_s": interval_s,
        "quiet_poll_requests": quiet_poll_requests,
        "full_sync_requests": full_sync_requests,
        "full_sync_s": round(full_sync_s, 1),
        "targeted_refresh_requests": targeted_refresh_requests,
        "targeted_pct": round(100 * targeted_refresh_requests / max(full_sync_requests, 1), 2),
        "targeted_run_success": targeted.success,
        "changed_types": changed,
        "targeted_types": sorted(key.path[-1] for key in request.asset_selection),
        "scoped_types": sorted(json.loads(request.tags.get("resmo/refresh_scope") or "{}")),
        "targeted_requests_by_type": by_type,
        "full_requests_of_those_types": {name: full_by_type.get(name) for name in by_type},
        # What the run would cost without the dependents the sensor adds (the changed types, whole organization).
        "requests_changed_types_only": sum(by_type.get(name, 0) for name in changed) + by_type.get("audit_log", 0),
        "detect_to_notify_s": round(first_seen - changed_at, 1) if first_seen is not None else None,
        "detect_to_notify_parts": {
            "wait_for_change_tick_s": round(change_phase, 1),
            "change_tick_s": round(change_tick_s, 2),
            "targeted_run_s": round(run_s, 1),
            "wait_for_notify_tick_s": round(notify_wait_s, 1),
            "notify_tick_s": round(notify_tick_s, 2),
        },
        "notified": {
            "permission_change_s": round(change_seen - changed_at, 1) if change_seen is not None else None,
            "new_finding_s": round(finding_seen - changed_at, 1) if finding_seen is not None else None,
            "notify_ticks": summaries,
        },
        "assumption": "the change lands uniformly in the change sensor's interval; the notification sensor has "
        "an independent uniform phase; the requested run starts at once in this process (no run-worker launch)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="large", choices=("demo", "medium", "large"))
    parser.add_argument("--latency-ms", type=int, default=0, help="simulated API latency per request")
    parser.add_argument("--interval-s", type=float, default=30.0, help="both sensors' interval")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.preset, args.latency_ms, args.interval_s, args.seed)))


if __name__ == "__main__":
    main()
