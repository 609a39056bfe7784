"""Simulator load benchmark: parallelism under latency, large-preset start-up time and memory.

Prints one JSON object:
  parallel64_wall_s       wall time of 64 concurrent requests (kept-alive connections) at 50 ms latency
                          (target <= 0.25 s: the server does not serialize requests)
  parallel64_cold_wall_s  the same with 64 new connections
  large_startup_s         time until run_simulator(preset="large") is serving (target <= 30 s)
  large_rss_mb            process RSS once the large organization is served (target <= 2048 MB)

Usage: python benchmarks/simulator_load.py [--requests 64] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests

from resmo_pipeline.simulator import Simulator, run_simulator


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def parallel_wall(sim: Simulator, count: int, warm: bool) -> float:
    """Seconds for `count` concurrent GETs of the project list, all released at once."""
    url = f"{sim.base_url}/dev.azure.com/{sim.organization}/_apis/projects?api-version=7.1"
    sessions = [_session() for _ in range(count)]
    if warm:
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda s: s.get(url, auth=("", sim.pat)).raise_for_status(), sessions))
    barrier = threading.Barrier(count + 1)

    def one(session: requests.Session) -> int:
        barrier.wait()
        return session.get(url, auth=("", sim.pat)).status_code

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(one, session) for session in sessions]
        barrier.wait()
        started = time.perf_counter()
        statuses = [future.result() for future in futures]
        wall = time.perf_counter() - started
    for session in sessions:
        session.close()
    if set(statuses) != {200}:
        raise RuntimeError(f"unexpected statuses {sorted(set(statuses))}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    process = psutil.Process()
    result: dict[str, float] = {}
    started = time.perf_counter()
    with run_simulator(preset="large", organization="contoso") as sim:
        result["large_startup_s"] = round(time.perf_counter() - started, 2)
        result["large_rss_mb"] = round(process.memory_info().rss / 2**20, 1)
        with _session() as session:
            session.get(
                f"{sim.base_url}/dev.azure.com/{sim.organization}/_apis/projects?api-version=7.1",
                auth=("", sim.pat),
            ).raise_for_status()
    with run_simulator(preset="demo", latency_ms=args.latency_ms) as sim:
        result["parallel64_wall_s"] = round(parallel_wall(sim, args.requests, warm=True), 3)
        result["parallel64_cold_wall_s"] = round(parallel_wall(sim, args.requests, warm=False), 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
