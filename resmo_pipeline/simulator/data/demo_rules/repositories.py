"""Demo examples of the rules on repositories, branches, branch policies, pull requests, Advanced Security, feeds,
extensions and service hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

EXAMPLES: dict[str, dict[str, Any]] = {}


def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
