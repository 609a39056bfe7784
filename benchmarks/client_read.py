"""Client read benchmark: read a whole simulated organization through the client, as a sync would.

Walks the inventory catalog (every enabled resource type, parents before children, fan-out through the
client's pool) with `resmo_pipeline.inventory.collect.collect_all`, and prints one JSON object:

  requests   HTTP requests sent (retries included)
  retries    requests that were retries
  wall_s     wall time of the read
  ideal_s    requests x latency / concurrency: the time a perfectly busy pool would need
  ratio      wall_s / ideal_s (target <= 1.25)
  mean_request_ms   average time from sending a request to having its whole answer
  pool_busy         share of the pool's capacity (concurrency x wall_s) spent waiting for answers: near 1.0
                    means the client kept every slot busy and the rest of wall_s is the service's answer time
  slowest_endpoints the endpoints with the most answer time (path template: requests, mean ms)
  client_cpu_ms_per_request  CPU time of this process during the read (all threads) / requests: what the
                    client spends per request; at 16 slots x 20 ms it must stay well under 1.25 ms
  rows, types, warnings, throttled_s, bytes
  python, load_avg  the interpreter version, and the 1-minute load average at the start (how quiet the machine was)
  floor_request_ms  mean answer time of the plainest client (http.client, no parsing) asking for one project at
                    the same concurrency: what the service and the machine take per request before any of the
                    client's own work; floor_ratio = floor_request_ms / latency is the best ratio this rig allows

By default the simulator runs in a child process (`resmo-pipeline simulator`), like a real service would be
remote, so the server's work does not compete with the client for this process's interpreter; `--in-process`
starts it in this process instead, `--base-url` uses one already running (then give `--organization` and
`--pat`, and `--latency-ms` must be the latency that simulator adds).

Usage: python benchmarks/client_read.py --preset large --latency-ms 20 --concurrency 16
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import http.client
import json
import os
import platform
import queue
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.inventory.collect import BULK_READ_GC_THRESHOLD, BULK_READ_SWITCH_INTERVAL_S, collect_all

STARTUP_TIMEOUT_S = 120


@dataclass(frozen=True)
class Target:
    """Where to read from."""

    base_url: str
    organization: str
    pat: str


@contextlib.contextmanager
def child_simulator(preset: str, organization: str, latency_ms: float) -> Iterator[Target]:
    """`resmo-pipeline simulator` in a child process; its base URL and PAT are read from what it prints."""
    pat = f"bench-{os.getpid()}-{time.time_ns()}"
    command = [str(Path(sys.executable).with_name("resmo-pipeline")), "simulator", "--preset", preset,
               "--organization", organization, "--pat", pat, "--port", "0", "--latency-ms", str(latency_ms)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        base_url = None
        assert process.stdout is not None
        while base_url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"the simulator exited with {process.wait()} before serving")
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            base_url = match.group(0) if match else None
        if base_url is None:
            raise RuntimeError("the simulator did not print its base URL in time")
        yield Target(base_url, organization, pat)
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def in_process_simulator(preset: str, organization: str, latency_ms: float) -> Iterator[Target]:
    """The simulator in this process (simpler; shares the interpreter with the client)."""
    from resmo_pipeline.simulator import run_simulator

    with run_simulator(preset=preset, organization=organization, latency_ms=latency_ms) as sim:
        yield Target(sim.base_url, sim.organization, sim.pat)


def floor_request_ms(target: Target, concurrency: int, rounds: int = 25) -> float:
    """Mean answer time (ms) of plain http.client GETs of one project, `concurrency` at a time."""
    host, _, port = target.base_url.removeprefix("http://").partition(":")
    path = f"/dev.azure.com/{target.organization}/_apis/projects?api-version=7.1&$top=1"
    headers = {"Authorization": PatCredential(target.pat).authorization(), "Accept": "application/json"}
    connections: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue()
    for _ in range(concurrency):
        connections.put(http.client.HTTPConnection(host, int(port or 80), timeout=30))

    def answer_s(_: int) -> float:
        connection = connections.get()
        try:
            started = time.monotonic()
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
            return time.monotonic() - started
        finally:
            connections.put(connection)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        times = list(pool.map(answer_s, range(rounds * concurrency)))
    while not connections.empty():
        connections.get().close()
    return 1000 * sum(times) / len(times)


def read_organization(target: Target, concurrency: int, parallel_types: int) -> dict:
    """Read every enabled resource type; the client's figures and the wall time."""
    client = AzureDevOpsClient(target.organization, PatCredential(target.pat), base_url=target.base_url,
                               concurrency=concurrency)
    started = time.monotonic()
    cpu_started = time.process_time()
    with client:
        results = collect_all(client, parallel_types=parallel_types)
        wall_s = time.monotonic() - started
        cpu_s = time.process_time() - cpu_started
        stats = client.stats.as_dict()
    return {
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "stats": stats,
        "rows": sum(len(r.rows) for r in results.values()),
        "types": len(results),
        "warnings": sum(len(r.warnings) for r in results.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="large", choices=("demo", "medium", "large"))
    parser.add_argument("--organization", default="contoso")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--parallel-types", type=int, default=8, help="resource types read at the same time")
    parser.add_argument("--base-url", help="use a simulator that is already running")
    parser.add_argument("--pat", help="PAT for --base-url")
    parser.add_argument("--in-process", action="store_true", help="run the simulator in this process")
    parser.add_argument("--switch-interval-ms", type=float,
                        help="sys.setswitchinterval for this process (Python's default: 5 ms; a read itself lowers "
                        "it to inventory.collect.BULK_READ_SWITCH_INTERVAL_S, so only a lower value changes anything)")
    parser.add_argument("--gc-threshold", type=int,
                        help="allocations between young garbage collections for this process (Python's default: "
                        "700; a read itself raises it to inventory.collect.BULK_READ_GC_THRESHOLD)")
    args = parser.parse_args(argv)
    if args.switch_interval_ms:
        sys.setswitchinterval(args.switch_interval_ms / 1000)
    if args.gc_threshold:
        gc.set_threshold(args.gc_threshold, *gc.get_threshold()[1:])
    load_avg = os.getloadavg()[0]

    if args.base_url:
        if not args.pat:
            parser.error("--base-url needs --pat")
        source = contextlib.nullcontext(Target(args.base_url.rstrip("/"), args.organization, args.pat))
    elif args.in_process:
        source = in_process_simulator(args.preset, args.organization, args.latency_ms)
    else:
        source = child_simulator(args.preset, args.organization, args.latency_ms)
    with source as target:
        floor_ms = floor_request_ms(target, args.concurrency)
        result = read_organization(target, args.concurrency, args.parallel_types)
    stats = result["stats"]
    ideal_s = stats["requests"] * args.latency_ms / 1000 / args.concurrency
    print(json.dumps({
        "preset": None if args.base_url else args.preset,
        "python": platform.python_version(),
        "load_avg": round(load_avg, 2),
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "simulator": "base-url" if args.base_url else "in-process" if args.in_process else "child-process",
        # What the read ran with: collect_all tunes both while it reads (bulk_reading).
        "switch_interval_ms": round(min(sys.getswitchinterval(), BULK_READ_SWITCH_INTERVAL_S) * 1000, 3),
        "gc_threshold": max(gc.get_threshold()[0], BULK_READ_GC_THRESHOLD),
        "requests": stats["requests"],
        "retries": stats["retries"],
        "wall_s": round(result["wall_s"], 3),
        "ideal_s": round(ideal_s, 3),
        "ratio": round(result["wall_s"] / ideal_s, 3) if ideal_s else None,
        "rows": result["rows"],
        "types": result["types"],
        "warnings": result["warnings"],
        "throttled_s": stats["throttled_s"],
        "bytes": stats["bytes"],
        "client_cpu_ms_per_request": round(1000 * result["cpu_s"] / max(1, stats["requests"]), 3),
        "floor_request_ms": round(floor_ms, 1),
        "floor_ratio": round(floor_ms / args.latency_ms, 3) if args.latency_ms else None,
        "mean_request_ms": round(1000 * stats["request_s"] / max(1, stats["requests"]), 1),
        "pool_busy": round(stats["request_s"] / (args.concurrency * result["wall_s"]), 3),
        "slowest_endpoints": {
            path: {"requests": e["requests"], "mean_ms": round(1000 * e["request_s"] / max(1, e["requests"]), 1)}
            for path, e in sorted(stats["per_endpoint"].items(), key=lambda kv: -kv[1]["request_s"])[:5]
        },
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
