"""Which resource types a targeted sync (``sync --types``) reads, and why each one that was not asked for is read.

A type is read per row of its parents (``ResourceType.parents``: branches per repository, repositories per
project), so a targeted sync reads the named types and, transitively, their parents: without them there is
nothing to fan out over. Types read per row of the named ones, or computed from them (their dependents), are
read only on request (``--with-dependents``), and then with their own parents too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.catalog.model import ResourceType


@dataclass(frozen=True)
class TypeSelection:
    """The types a sync reads: the ones asked for, plus each extra one with the reason it is read."""

    requested: tuple[str, ...]
    extra: Mapping[str, str] = field(default_factory=dict)  # type -> why it is read

    @property
    def names(self) -> list[str]:
        """Every type read, in catalog (dependency) order."""
        chosen = {*self.requested, *self.extra}
        return [name for name in RESOURCE_TYPES if name in chosen]

    def explain(self) -> list[str]:
        """One line per extra type, e.g. ``projects (parent of repositories, teams)``."""
        return [f"{name} ({self.extra[name]})" for name in self.names if name in self.extra]


def _dependents(names: set[str], catalog: Mapping[str, ResourceType]) -> dict[str, str]:
    found: dict[str, str] = {}
    grew = True
    while grew:
        grew = False
        for resource_type in catalog.values():
            if resource_type.name in names or resource_type.name in found:
                continue
            sources = [parent for parent in resource_type.parents if parent in names or parent in found]
            if sources:
                verb = "computed from" if resource_type.endpoint is None else "read per row of"
                found[resource_type.name] = f"{verb} {', '.join(sorted(sources))}"
                grew = True
    return found


def _parents(names: set[str], catalog: Mapping[str, ResourceType]) -> dict[str, str]:
    children: dict[str, set[str]] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        for parent in catalog[name].parents:
            if parent not in names and parent not in children:
                pending.append(parent)
            if parent not in names:
                children.setdefault(parent, set()).add(name)
    return {parent: f"parent of {', '.join(sorted(kids))}" for parent, kids in children.items()}


def select_types(
    requested: Iterable[str],
    with_dependents: bool = False,
    with_parents: bool = True,
    catalog: Mapping[str, ResourceType] = RESOURCE_TYPES,
) -> TypeSelection:
    """The types a sync of ``requested`` reads: those, their parents and, if asked, their dependents.

    ``with_parents=False`` leaves the parents out: the run then fans out over their stored rows (what the
    change sensor does after an audit event).
    """
    asked = list(dict.fromkeys(requested))
    unknown = [name for name in asked if name not in catalog]
    if unknown:
        raise KeyError(f"Unknown resource type(s): {', '.join(unknown)}. Known types: {', '.join(catalog)}.")
    extra = _dependents(set(asked), catalog) if with_dependents else {}
    if with_parents:
        extra.update(_parents({*asked, *extra}, catalog))
    return TypeSelection(requested=tuple(asked), extra=extra)
