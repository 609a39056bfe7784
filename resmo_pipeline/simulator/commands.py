"""`resmo-pipeline simulator`: serve a simulated Azure DevOps organization until Ctrl-C."""

from __future__ import annotations

import argparse
import threading
from typing import Any

PRESETS = ("demo", "medium", "large")


def register(subparsers: Any) -> None:
    """Add the `simulator` command."""
    parser = subparsers.add_parser(
        "simulator",
        help="serve a simulated Azure DevOps organization (and Entra ID) on 127.0.0.1",
        description="Serve a simulated Azure DevOps organization until Ctrl-C. The real URL "
        "https://{host}/{path} is served at {base_url}/{host}/{path}.",
    )
    parser.add_argument("--preset", choices=PRESETS, default="demo", help="size of the organization")
    parser.add_argument("--organization", default="contoso", help="name of the simulated organization")
    parser.add_argument("--pat", default=None, help="full-scope PAT to accept (default: a random one)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the data generator and the faults")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="answer time of every API request (the simulator's own work included)")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="probability per request of an injected fault (500, 503, drop, slow, expired token)")
    parser.add_argument("--rate-limit", choices=("on", "off"), default="off",
                        help="enforce the 200 TSTU / 5 minute per-identity budget")
    parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Run the simulator and print how to reach it; returns when `stop` is set or on Ctrl-C."""
    from resmo_pipeline.simulator import run_simulator

    stop = stop or threading.Event()
    with run_simulator(
        preset=args.preset, organization=args.organization, pat=args.pat, seed=args.seed, host=args.host,
        port=args.port, latency_ms=args.latency_ms, fault_rate=args.fault_rate,
        rate_limit=args.rate_limit == "on",
    ) as sim:
        entra = sim.entra
        lines = [
            f"Simulated Azure DevOps ({args.preset}) serving at {sim.base_url}",
            f"  organization      {sim.organization}",
            f"  example           {sim.base_url}/dev.azure.com/{sim.organization}/_apis/projects?api-version=7.1",
            f"  PAT (full scope)  {sim.pat}",
            f"  admin API         {sim.admin_url}/stats",
            "Entra ID (service principal):",
            f"  authority         {entra.authority}",
            f"  tenant id         {entra.tenant_id}",
            f"  client id         {entra.client_id}",
            f"  client secret     {entra.client_secret}",
            f"  certificate       {entra.certificate_path} (thumbprint {entra.certificate_thumbprint})",
            f"  CA file           {entra.ca_file}",
            f"  managed identity  IDENTITY_ENDPOINT={entra.identity_endpoint} IDENTITY_HEADER={entra.identity_header}",
            "Press Ctrl-C to stop.",
        ]
        print("\n".join(lines), flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
    return 0
