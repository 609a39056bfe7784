"""What the demo rule-area modules share: their own random source and finding demo objects by name."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder


@contextmanager
def own_random(b: Builder, area: str) -> Iterator[random.Random]:
    """The builder draws from a random source of the area's own while inside: what an area adds shifts no id or
    draw of the areas after it."""
    saved = b.rng
    b.rng = random.Random(f"{area}:{b.s.organization.lower()}:{b.s.seed}")
    try:
        yield b.rng
    finally:
        b.rng = saved


def subject(b: Builder, display_name: str) -> str:
    """The descriptor of a user, group or service principal by display name."""
    return next(d for d, item in b.s.subjects.items() if item["displayName"] == display_name)


def named(items: Sequence[Mapping[str, Any]], name: str) -> Any:
    """The item called ``name`` in a list of named objects."""
    return next(item for item in items if item["name"] == name)


def named_in_any_project(collection: Mapping[str, Sequence[Mapping[str, Any]]], name: str) -> Any:
    """The item called ``name`` in a per-project collection (build definitions, environments, ...)."""
    return next(item for items in collection.values() for item in items if item["name"] == name)


def project(b: Builder, name: str) -> dict[str, Any]:
    return named(b.s.projects, name)


def repository(b: Builder, name: str) -> dict[str, Any]:
    return named(b.s.repositories, name)
