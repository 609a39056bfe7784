"""How fast the command line answers: each command's start-to-exit time, against `python -c "import duckdb"`.

Makes the demo warehouse first (`resmo-pipeline demo --no-ui` in a temporary RESMO_HOME, about a minute), or
uses `--home DIR` if one exists. Then runs each listed command `--runs` times as a new process, as a user's shell
would (`python -m resmo_pipeline ...`, output to /dev/null), with the baseline interleaved, and prints one JSON
object:

    baseline_median_s   median of `python -c "import duckdb"` (the floor: Python plus DuckDB)
    commands            per command: median_s, min_s, ratio (median / baseline median), ok (<= 0.3 s or <= 2x)
    all_ok              every command ok
    target              the targets from issue 15

The first `rules list` after an install or upgrade validates every rule (seconds) and caches the result (the
first `report` caches the catalog's audit actions the same way); one untimed warm-up run of each command comes
before the timed ones. `report` writes the demo's whole HTML report into the RESMO_HOME. Commands that are not
registered (e.g. before the permissions package adds `who-can`) are reported as skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.3
TARGET_RATIO = 2.0
COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "sql select 1": ["sql", "select 1"],
    "sql projects": ["sql", "select name, visibility from azure_devops.projects"],
    "findings": ["findings"],
    "findings --severity high --format json": ["findings", "--severity", "high", "--format", "json"],
    "rules list": ["rules", "list"],
    "rules show": ["rules", "show", "sc.all_pipelines_access"],
    "rules validate": ["rules", "validate", "{rules}/sc/all_pipelines_access.sql"],
    "rules coverage": ["rules", "coverage"],
    "integrations list": ["integrations", "list"],
    "queries list": ["queries", "list"],
    "queries run collection_admins": ["queries", "run", "collection_admins"],
    "who-can": ["who-can", "Bypass policies when pushing", "--on", "repo:Payments/payments-api"],
    "access-of": ["access-of", "alice@contoso.com"],
    "report": ["report", "--output", "{home}/report.html"],
}


def _environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DAGSTER_HOME", "RESMO_RULES_DIR")}
    env["RESMO_HOME"] = str(home)
    return env


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    code = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - started, code


def _registered() -> set[str]:
    from resmo_pipeline.cli import build_parser

    parser = build_parser()
    return set(next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices)


def _demo_home(home: Path) -> None:
    completed = subprocess.run([sys.executable, "-m", "resmo_pipeline", "demo", "--no-ui"], env=_environment(home),
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"the demo failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")


def measure(home: Path, runs: int) -> dict[str, object]:
    """Medians of every registered command and of the baseline, interleaved so machine load hits both alike."""
    from resmo_pipeline.compliance.commands import BUILTIN_RULES_DIR

    env = _environment(home)
    registered = _registered()
    baseline_command = [sys.executable, "-c", "import duckdb"]
    baseline: list[float] = []
    results: dict[str, dict[str, object]] = {}
    for name, args in COMMANDS.items():
        if args[0] not in registered and not args[0].startswith("-"):
            results[name] = {"skipped": "not a registered command"}
            continue
        command = [sys.executable, "-m", "resmo_pipeline",
                   *(a.format(rules=BUILTIN_RULES_DIR, home=home) for a in args)]
        _timed(command, env)  # warm-up: file cache, and the validated-rules cache
        times, codes = [], set()
        for _ in range(runs):
            baseline.append(_timed(baseline_command, env)[0])
            elapsed, code = _timed(command, env)
            times.append(elapsed)
            codes.add(code)
        results[name] = {"median_s": statistics.median(times), "min_s": min(times), "exit_codes": sorted(codes)}
    base = statistics.median(baseline)
    for result in results.values():
        if "median_s" in result:
            median = float(result["median_s"])  # type: ignore[arg-type]
            result["ratio"] = round(median / base, 2)
            result["ok"] = median <= TARGET_S or median <= TARGET_RATIO * base
            result["median_s"] = round(median, 3)
            result["min_s"] = round(float(result["min_s"]), 3)  # type: ignore[arg-type]
    return {
        "baseline_median_s": round(base, 3),
        "commands": results,
        "all_ok": all(r.get("ok", True) for r in results.values()),
        "target": f"each command <= {TARGET_S} s or <= {TARGET_RATIO}x the baseline",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--home", type=Path, help="an existing RESMO_HOME holding the demo (default: make one)")
    args = parser.parse_args()
    if args.home:
        print(json.dumps(measure(args.home, args.runs), indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="resmo-cli-bench-") as folder:
        home = Path(folder)
        _demo_home(home)
        print(json.dumps(measure(home, args.runs), indent=2))


if __name__ == "__main__":
    main()
