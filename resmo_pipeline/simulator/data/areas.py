"""Areas added to the simulated organization after the core presets: one entry per area module.

Each entry is a function `(builder, sizes)` run after the preset (`sizes` is None for the demo preset, else
the medium or large preset's sizes) and before `build._finish`, so it can use every object the preset made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.boards import populate_boards
from resmo_pipeline.simulator.data.builds import populate_builds
from resmo_pipeline.simulator.data.demo_rules import populate_demo_rule_areas
from resmo_pipeline.simulator.data.deployments import populate_deployments
from resmo_pipeline.simulator.data.packaging import populate_packaging
from resmo_pipeline.simulator.data.reviews import populate_reviews
from resmo_pipeline.simulator.data.roles import populate_roles
from resmo_pipeline.simulator.data.service_hooks import populate_service_hooks

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

AreaPopulator = Callable[["Builder", "dict[str, int] | None"], Any]

#: Run in this order, after the preset.
AREAS: list[AreaPopulator] = [populate_service_hooks, populate_deployments, populate_reviews, populate_boards,
                               populate_builds,
                               populate_roles, populate_packaging, populate_demo_rule_areas]
