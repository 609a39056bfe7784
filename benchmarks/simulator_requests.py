"""Simulator cost per request and per page: what the simulated service spends answering a whole crawl.

Prints one JSON object:
  preset, requests             the crawl (`collect_all` through the real client) and its request count
  wall_s                       wall time of the crawl (the simulator runs in a child process)
  server_cpu_ms_per_request    the simulator's CPU time per request during the crawl
  client_cpu_ms_per_request    this process's CPU time per request (client, paging, row building)
  entitlements_pages           pages of user entitlements (100 per page)
  entitlements_first_page_ms   CPU time of the first page (it builds the sorted view of every user)
  entitlements_page_ms         median CPU time of the other pages (should not grow with the number of users)

Only CPU time is reported for the simulator's work, so the figures hold on a busy machine too.

Usage: python benchmarks/simulator_requests.py [--preset medium|large] [--latency-ms 0] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.inventory.collect import collect_all
from resmo_pipeline.simulator import protocol
from resmo_pipeline.simulator.data import build_state
from resmo_pipeline.simulator.entra import EntraServer
from resmo_pipeline.simulator.routes import ROUTES
from resmo_pipeline.simulator.server import SimulatorApp

ORGANIZATION = "contoso"


def entitlement_pages(preset: str) -> dict[str, float]:
    """CPU time per user-entitlements page, answered by the request pipeline without sockets."""
    state = build_state(preset, ORGANIZATION, 7)
    pats = protocol.PatStore()
    pat = pats.issue([protocol.FULL_SCOPE], all_organizations=True)
    app = SimulatorApp(state, ROUTES, {}, pats, EntraServer("benchmark-tenant", "benchmark-client"))
    headers = {"Authorization": "Basic " + base64.b64encode(f":{pat}".encode()).decode()}
    times: list[float] = []
    token = None
    while True:
        target = f"/vsaex.dev.azure.com/{ORGANIZATION}/_apis/userentitlements?api-version=7.1"
        started = time.process_time()
        outcome = app.handle("GET", target + (f"&continuationToken={token}" if token else ""), headers, b"")
        body = json.dumps(outcome.response.body)  # the server encodes every answer too
        times.append(time.process_time() - started)
        token = json.loads(body)["continuationToken"]
        if not token:
            break
    return {
        "entitlements_pages": len(times),
        "entitlements_first_page_ms": round(1000 * times[0], 1),
        "entitlements_page_ms": round(1000 * statistics.median(times[1:] or times), 2),
    }


def crawl(preset: str, latency_ms: float, concurrency: int) -> dict[str, float]:
    """Read every resource type from a child-process simulator; CPU per request on both sides."""
    pat = f"bench-{time.time_ns()}"
    command = [str(Path(sys.executable).with_name("resmo-pipeline")), "simulator", "--preset", preset,
               "--organization", ORGANIZATION, "--pat", pat, "--port", "0", "--latency-ms", str(latency_ms)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        base_url = None
        while base_url is None:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the simulator exited with {process.wait()} before serving")
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            base_url = found.group(0) if found else None
        server = psutil.Process(process.pid)
        server_before = sum(server.cpu_times()[:2])
        client_before = time.process_time()
        started = time.monotonic()
        with AzureDevOpsClient(ORGANIZATION, PatCredential(pat), base_url=base_url, concurrency=concurrency) as client:
            collect_all(client)
            requests = client.stats.as_dict()["requests"]
        wall = time.monotonic() - started
        client_cpu = time.process_time() - client_before
        server_cpu = sum(server.cpu_times()[:2]) - server_before
    finally:
        process.terminate()
        process.wait(timeout=10)
    return {
        "requests": requests,
        "wall_s": round(wall, 2),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, requests), 3),
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, requests), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="medium", choices=("demo", "medium", "large"))
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    result: dict[str, object] = {"preset": args.preset}
    result.update(crawl(args.preset, args.latency_ms, args.concurrency))
    result.update(entitlement_pages(args.preset))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
