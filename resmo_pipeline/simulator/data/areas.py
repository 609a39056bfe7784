"""Areas added to the simulated organization after the core presets: one entry per area module.

Each entry is a function `(builder, sizes)` run after the preset (`sizes` is None for the demo preset, else
the medium or large preset's sizes) and before `build._finish`, so it can use every object the preset made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

AreaPopulator = Callable[["Builder", "dict[str, int] | None"], Any]

#: Run in this order, after the preset.
AREAS: list[AreaPopulator] = []
