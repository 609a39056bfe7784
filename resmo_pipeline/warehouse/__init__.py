"""The DuckDB warehouse: the IO manager that writes it, safe access for writers and readers, and its schema.

See docs/internals.md ("warehouse/") for the contract other packages rely on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resmo_pipeline.lazy import lazy_attributes

if TYPE_CHECKING:
    from resmo_pipeline.warehouse.access import (
        WarehouseError,
        WarehouseLockedError,
        WarehouseNotFoundError,
        publish_read_copy,
        read_connection,
        read_copy_path,
        write_connection,
    )
    from resmo_pipeline.warehouse.io_manager import ResmoDuckDBIOManager
    from resmo_pipeline.warehouse.schema import ensure_table, purge_organization, record_collection_run

_ACCESS = "resmo_pipeline.warehouse.access"
_SCHEMA = "resmo_pipeline.warehouse.schema"
# Imported on first use: the CLI builds its parser from `warehouse.commands` without paying for DuckDB, and the
# IO manager (Dagster, history) stays free of an import cycle with resmo_pipeline.history (which uses
# warehouse.schema).
__getattr__ = lazy_attributes(__name__, {
    "ResmoDuckDBIOManager": "resmo_pipeline.warehouse.io_manager",
    **dict.fromkeys(
        ("WarehouseError", "WarehouseLockedError", "WarehouseNotFoundError", "publish_read_copy", "read_connection",
         "read_copy_path", "write_connection"),
        _ACCESS,
    ),
    **dict.fromkeys(("ensure_table", "purge_organization", "record_collection_run"), _SCHEMA),
})

__all__ = [
    "ResmoDuckDBIOManager",
    "WarehouseError",
    "WarehouseLockedError",
    "WarehouseNotFoundError",
    "ensure_table",
    "publish_read_copy",
    "purge_organization",
    "read_connection",
    "read_copy_path",
    "record_collection_run",
    "write_connection",
]
