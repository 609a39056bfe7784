"""The inventory job: every resource type of one organization in one run.

Runs use the in-process executor: one process per run, so steps never fight over the DuckDB write lock and pay
no per-step process start; the fan-out over projects and repositories happens inside each asset, through the
client's connection pool.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from resmo_pipeline.inventory.assets import KEY_PREFIX, asset_key
from resmo_pipeline.inventory.partitions import organizations

INVENTORY_JOB = "inventory_job"

inventory_selection = dg.AssetSelection.key_prefixes([KEY_PREFIX])

inventory_job = dg.define_asset_job(
    INVENTORY_JOB,
    selection=inventory_selection,
    partitions_def=organizations,
    executor_def=dg.in_process_executor,
    description="Collect every Azure DevOps resource type of one organization into the warehouse "
    "(and evaluate the rules on it).",
)


def refresh_selection(resource_types: Iterable[str]) -> dg.AssetSelection:
    """The given types plus the inventory types computed from them (a targeted refresh after a change)."""
    changed = dg.AssetSelection.assets(*(asset_key(name) for name in resource_types))
    return changed.downstream() & inventory_selection


def refresh_asset_keys(defs: dg.Definitions, resource_types: Iterable[str]) -> list[dg.AssetKey]:
    """The asset keys a targeted refresh of ``resource_types`` materializes, resolved against ``defs``."""
    graph = defs.resolve_asset_graph()
    return sorted(refresh_selection(resource_types).resolve(graph), key=lambda key: key.to_user_string())
