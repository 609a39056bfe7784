"""The simulated Azure DevOps service (and its Entra ID) for the demo, the tests and the benchmarks.

Never imported by the pipeline itself. Start it with `run_simulator(...)` or `resmo-pipeline simulator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resmo_pipeline.lazy import lazy_attributes

if TYPE_CHECKING:
    from resmo_pipeline.simulator.entra import EntraInfo
    from resmo_pipeline.simulator.ratelimit import RateLimitConfig
    from resmo_pipeline.simulator.server import Simulator, run_simulator

# Imported on first use, so building the CLI's parser (which reads `simulator.commands`) costs no HTTP server,
# JWT or data generator.
__getattr__ = lazy_attributes(__name__, {
    "EntraInfo": "resmo_pipeline.simulator.entra",
    "RateLimitConfig": "resmo_pipeline.simulator.ratelimit",
    "Simulator": "resmo_pipeline.simulator.server",
    "run_simulator": "resmo_pipeline.simulator.server",
})

__all__ = ["EntraInfo", "RateLimitConfig", "Simulator", "run_simulator"]
