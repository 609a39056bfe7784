"""The Dagster assets that keep the evaluated permissions current, partitioned by organization like the
inventory: ``azure_devops/effective_permissions`` with ``azure_devops/permission_objects`` (one evaluation, two
tables) and ``azure_devops/effective_roles``.

They run after the inventory types they read, evaluate in a private in-memory DuckDB (``inputs``) and hand the
rows to the warehouse IO manager, which replaces the organization's rows in one transaction and keeps SCD2
history in ``history.<table>`` like any inventory table. The views over them are created first (``views``).
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from resmo_pipeline.inventory import presentation
from resmo_pipeline.inventory.assets import IO_MANAGER_KEY, KEY_PREFIX, asset_key
from resmo_pipeline.inventory.partitions import organizations
from resmo_pipeline.permissions import evaluate as evaluate_module
from resmo_pipeline.permissions import roles as roles_module
from resmo_pipeline.permissions.evaluate import OBJECT_COLUMNS, PERMISSION_COLUMNS, evaluate
from resmo_pipeline.permissions.inputs import INPUT_COLUMNS, load_inputs
from resmo_pipeline.permissions.roles import ROLE_COLUMNS, evaluate_roles
from resmo_pipeline.permissions.schema import (
    OBJECT_DESCRIPTIONS,
    PERMISSION_DESCRIPTIONS,
    ROLE_DESCRIPTIONS,
    column_schema,
)
from resmo_pipeline.permissions.views import ensure_views
from resmo_pipeline.warehouse.access import open_warehouse
from resmo_pipeline.warehouse.io_manager import WriteOnce
from resmo_pipeline.warehouse.resource import WarehouseResource

GROUP = "permissions"
_MODULES = {
    "effective_permissions": Path(evaluate_module.__file__),
    "permission_objects": Path(evaluate_module.__file__),
    "effective_roles": Path(roles_module.__file__),
}
_ROLE_INPUTS = ("role_assignments", "access_control_lists", "users", "service_principals", "groups")


def table_types(columns: dict[str, str]) -> dict[str, str]:
    """The DuckDB types of a computed table: the row contract around its typed columns (no raw payload)."""
    return {"organization": "VARCHAR", "resource_id": "VARCHAR", **columns, "fetched_at": "TIMESTAMP"}


#: The tables the assets write, with their DuckDB types (the views are created over them).
EVALUATED_TABLES = {
    "effective_permissions": table_types(PERMISSION_COLUMNS),
    "permission_objects": table_types(OBJECT_COLUMNS),
    "effective_roles": table_types(ROLE_COLUMNS),
}


_DESCRIPTIONS = {
    "effective_permissions": PERMISSION_DESCRIPTIONS,
    "permission_objects": OBJECT_DESCRIPTIONS,
    "effective_roles": ROLE_DESCRIPTIONS,
}


def _output(frame: pd.DataFrame, columns: dict[str, str], output_name: str) -> dg.Output:
    frame = frame.assign(fetched_at=datetime.now(UTC).replace(tzinfo=None))
    options = {"column_types": table_types(columns), "write_mode": "replace", "track_history": True}
    return dg.Output(WriteOnce(frame, options), output_name=output_name, metadata={"dagster/row_count": len(frame)})


def _table_metadata(table: str) -> dict[str, object]:
    """Definition metadata of an evaluated table: partition column (for the IO manager), schema, table name and
    the code that evaluates it."""
    return {
        "partition_expr": "organization",
        "dagster/column_schema": column_schema(EVALUATED_TABLES[table], _DESCRIPTIONS[table]),
        **presentation.table_name(KEY_PREFIX, table),
        **presentation.code_reference(_MODULES[table]),
    }


def _inputs(warehouse: WarehouseResource, organization: str, tables: tuple[str, ...]) -> duckdb.DuckDBPyConnection:
    source = open_warehouse(warehouse.path)
    try:
        return load_inputs(source, organization, tables)
    finally:
        source.close()


def _out(name: str, description: str) -> dg.AssetOut:
    return dg.AssetOut(
        key=asset_key(name), io_manager_key=IO_MANAGER_KEY, group_name=GROUP, description=description,
        kinds={"duckdb"}, metadata=_table_metadata(name), owners=presentation.asset_owners(GROUP),
        tags=presentation.asset_tags(GROUP),
    )


@dg.multi_asset(
    outs={
        "effective_permissions": _out(
            "effective_permissions",
            "Who is allowed or denied each permission on each object that holds an access control list: one row "
            "per object, identity named in its lists and permission bit, with the token the decision came from.",
        ),
        "permission_objects": _out(
            "permission_objects",
            "Every secured object (project, repository, branch, pipeline, list token) with its security token and "
            "the listed token whose rows decide for it.",
        ),
    },
    partitions_def=organizations,
    deps=[asset_key(name) for name in INPUT_COLUMNS if name != "role_assignments"]
    + [asset_key("effective_group_memberships")],
    can_subset=False,
)
def effective_permissions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.Output]:
    """Evaluate the organization's access control lists (docs/permissions.md)."""
    organization = context.partition_key
    inputs = _inputs(warehouse, organization, tuple(n for n in INPUT_COLUMNS if n != "role_assignments"))
    try:
        result = evaluate(inputs, organization)
    finally:
        inputs.close()
    ensure_views(warehouse.path, EVALUATED_TABLES)
    context.log.info(
        f"effective_permissions: {len(result.permissions)} rows over {len(result.objects)} objects ({organization})"
    )
    yield _output(result.permissions, PERMISSION_COLUMNS, "effective_permissions")
    yield _output(result.objects, OBJECT_COLUMNS, "permission_objects")


@dg.asset(
    key=dg.AssetKey([KEY_PREFIX, "effective_roles"]),
    partitions_def=organizations,
    group_name=GROUP,
    description="Security roles (Administrator, Creator, User, Reader) on pipeline resources, resolved to the "
    "identities holding them, assigned on the resource or inherited from the project or organization.",
    kinds={"duckdb"},
    io_manager_key=IO_MANAGER_KEY,
    deps=[asset_key(name) for name in _ROLE_INPUTS] + [asset_key("effective_permissions")],
    metadata=_table_metadata("effective_roles"),
    owners=presentation.asset_owners(GROUP),
    tags=presentation.asset_tags(GROUP),
)
def effective_roles(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.Output:
    """Resolve the organization's role assignments to identities (docs/permissions.md, "Roles")."""
    organization = context.partition_key
    inputs = _inputs(warehouse, organization, _ROLE_INPUTS)
    try:
        frame = evaluate_roles(inputs, organization)
    finally:
        inputs.close()
    ensure_views(warehouse.path, EVALUATED_TABLES)
    return _output(frame, ROLE_COLUMNS, "result")


permission_assets = [effective_permissions, effective_roles]


_PERMISSION_INPUTS = frozenset(
    [*(name for name in INPUT_COLUMNS if name != "role_assignments"), "effective_group_memberships"]
)


def permission_tables_after(types: set[str]) -> list[str]:
    """The evaluated permission tables a refresh of these inventory types must compute again (a changed access
    control list, membership or role assignment changes who can do what)."""
    tables = []
    if types & _PERMISSION_INPUTS:
        tables += ["effective_permissions", "permission_objects"]  # one evaluation writes both
    if tables or types & set(_ROLE_INPUTS):
        tables.append("effective_roles")
    return tables
