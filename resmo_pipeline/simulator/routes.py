"""Every simulated endpoint: `ROUTES` is what the server (server.py) serves.

The endpoints live in one module per area (core, identity, code, pipelines, organization); this module only
assembles them. See routing.py for the Route/SimRequest/SimResponse contract.
"""

from __future__ import annotations

from resmo_pipeline.simulator import (
    routes_boards,
    routes_builds,
    routes_code,
    routes_core,
    routes_deployments,
    routes_hooks,
    routes_identity,
    routes_org,
    routes_packaging,
    routes_pipelines,
    routes_reviews,
    routes_roles,
    routes_work_items,
)
from resmo_pipeline.simulator.routing import Route

ROUTES: list[Route] = [
    *routes_core.ROUTES,
    *routes_identity.ROUTES,
    *routes_code.ROUTES,
    *routes_pipelines.ROUTES,
    *routes_org.ROUTES,
    *routes_hooks.ROUTES,
    *routes_deployments.ROUTES,
    *routes_reviews.ROUTES,
    *routes_boards.ROUTES,
    *routes_builds.ROUTES,
    *routes_roles.ROUTES,
    *routes_packaging.ROUTES,
    *routes_work_items.ROUTES,
]
