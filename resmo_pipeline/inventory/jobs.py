"""The inventory job: every resource type of one organization in one run.

Runs use the in-process executor: one process per run, so steps never fight over the DuckDB write lock and pay
no per-step process start; the fan-out over projects and repositories happens inside each asset, through the
client's connection pool.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from resmo_pipeline.compliance.assets import FINDINGS_KEY
from resmo_pipeline.inventory.assets import KEY_PREFIX, asset_key
from resmo_pipeline.inventory.partitions import organizations

INVENTORY_JOB = "inventory_job"

# Every type, the evaluated permissions, and the findings the rules make of them (the checks come with them).
inventory_selection = dg.AssetSelection.key_prefixes([KEY_PREFIX]) | dg.AssetSelection.assets(FINDINGS_KEY)

inventory_job = dg.define_asset_job(
    INVENTORY_JOB,
    selection=inventory_selection,
    partitions_def=organizations,
    executor_def=dg.in_process_executor,
    description="Collect every Azure DevOps resource type of one organization into the warehouse "
    "(and evaluate the rules on it).",
)


def refresh_asset_keys(defs: dg.Definitions, resource_types: Iterable[str]) -> list[dg.AssetKey]:
    """The asset keys of exactly these resource types, as ``defs`` defines them, in catalog order, and the
    findings asset (the rules judging them are evaluated again).

    Which types a targeted sync reads (the named ones, their parents, dependents on request) is decided by
    ``inventory.selection.select_types``; this only maps them onto the job's assets.
    """
    graph = defs.resolve_asset_graph()
    keys = [asset_key(name) for name in resource_types]
    missing = [key.to_user_string() for key in keys if not graph.has(key)]
    if missing:
        raise KeyError(f"not defined as assets: {', '.join(missing)}")
    return [*keys, FINDINGS_KEY] if graph.has(FINDINGS_KEY) else keys
