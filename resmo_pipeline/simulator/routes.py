"""Every simulated endpoint: `ROUTES` is what the server (server.py) serves.

The endpoints live in one module per area (core, identity, code, pipelines, organization); this module only
assembles them. See routing.py for the Route/SimRequest/SimResponse contract.
"""

from __future__ import annotations

from resmo_pipeline.simulator import routes_code, routes_core, routes_identity, routes_org, routes_pipelines
from resmo_pipeline.simulator.routing import Route

ROUTES: list[Route] = [
    *routes_core.ROUTES,
    *routes_identity.ROUTES,
    *routes_code.ROUTES,
    *routes_pipelines.ROUTES,
    *routes_org.ROUTES,
]
