"""The declarative catalog of Azure DevOps resource types.

`RESOURCE_TYPES` maps each type's name to its `ResourceType`, in dependency order: every type comes after
the types it fans out over, so iterating it collects parents first. Each area module contributes a `TYPES`
tuple; adding a resource type means adding one entry there.
"""

from __future__ import annotations

from graphlib import TopologicalSorter

from resmo_pipeline.catalog import (
    agents,
    artifacts,
    audit,
    boards,
    builds,
    code,
    core,
    deployments,
    extensions,
    identity,
    internal_api,
    library,
    organization_settings,
    pipeline_yaml,
    pipelines,
    pull_requests,
    roles,
    security,
    service_hooks,
)
from resmo_pipeline.catalog.internal_api import INTERNAL_APIS_ENV, internal_apis_enabled
from resmo_pipeline.catalog.model import Call, Column, FanOut, FetchContext, ResourceType

_MODULES = (core, identity, code, library, agents, pipelines, security, audit, artifacts, extensions, internal_api,
            organization_settings,
            service_hooks, deployments, builds, pipeline_yaml, roles, pull_requests, boards)


def _in_dependency_order(types: list[ResourceType]) -> dict[str, ResourceType]:
    by_name = {t.name: t for t in types}
    if len(by_name) != len(types):
        raise ValueError("two catalog entries share a name")
    for resource_type in types:
        unknown = [p for p in resource_type.parents if p not in by_name]
        if unknown:
            raise ValueError(f"{resource_type.name}: unknown parent types {unknown}")
    sorter = TopologicalSorter({t.name: t.parents for t in types})
    return {name: by_name[name] for name in sorter.static_order()}


RESOURCE_TYPES: dict[str, ResourceType] = _in_dependency_order([t for m in _MODULES for t in m.TYPES])


def enabled_types() -> list[ResourceType]:
    """The types a sync collects now: all, minus internal-endpoint types when internal APIs are off."""
    return [t for t in RESOURCE_TYPES.values() if t.enabled_by_default and (not t.internal or internal_apis_enabled())]


__all__ = [
    "INTERNAL_APIS_ENV",
    "RESOURCE_TYPES",
    "Call",
    "Column",
    "FanOut",
    "FetchContext",
    "ResourceType",
    "enabled_types",
    "internal_apis_enabled",
]
