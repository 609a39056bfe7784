"""The simulated Azure DevOps service (and its Entra ID) for the demo, the tests and the benchmarks.

Never imported by the pipeline itself. Start it with `run_simulator(...)` or `resmo-pipeline simulator`.
"""

from resmo_pipeline.simulator.entra import EntraInfo
from resmo_pipeline.simulator.ratelimit import RateLimitConfig
from resmo_pipeline.simulator.server import Simulator, run_simulator

__all__ = ["EntraInfo", "RateLimitConfig", "Simulator", "run_simulator"]
