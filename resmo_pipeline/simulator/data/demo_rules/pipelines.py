"""Demo examples of the rules on build and release definitions, task groups, pipeline runs and pipeline settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

EXAMPLES: dict[str, dict[str, Any]] = {}


def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
