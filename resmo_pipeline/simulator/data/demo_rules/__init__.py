"""The demo preset's examples for rule areas added after the first 35 rules, one module per area.

Each module holds `EXAMPLES` (rule id -> violating and compliant resource names, as `DEMO_RULE_EXAMPLES`) and
`populate(b)`, which adds the demo resources its rules need. They run after every other area of the demo
preset (`areas.AREAS`), so they can use any object the preset made, and in this order, so ids and random draws
of everything built before them stay as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.demo_rules import (
    approval_paths,
    attack_paths,
    identity,
    library,
    permissions,
    pipelines,
    repositories,
    yaml_files,
)

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

AREA_MODULES = (identity, library, pipelines, repositories, yaml_files, attack_paths, approval_paths, permissions)

EXAMPLES: dict[str, dict[str, Any]] = {
    rule_id: example for module in AREA_MODULES for rule_id, example in module.EXAMPLES.items()
}


def populate_demo_rule_areas(b: Builder, sizes: dict[str, int] | None) -> None:
    """Add the demo resources of every rule area (the demo preset only)."""
    if sizes is not None:
        return
    for module in AREA_MODULES:
        module.populate(b)
