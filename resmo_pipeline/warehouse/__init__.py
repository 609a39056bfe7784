"""The DuckDB warehouse: the IO manager that writes it, safe access for writers and readers, and its schema.

See docs/internals.md ("warehouse/") for the contract other packages rely on.
"""

from resmo_pipeline.warehouse.access import (
    WarehouseError,
    WarehouseLockedError,
    WarehouseNotFoundError,
    publish_read_copy,
    read_connection,
    read_copy_path,
    write_connection,
)
from resmo_pipeline.warehouse.schema import ensure_table, purge_organization, record_collection_run


def __getattr__(name: str) -> object:
    # The IO manager pulls in Dagster and history; importing it lazily keeps `resmo_pipeline.warehouse` light for
    # the CLI and free of an import cycle with resmo_pipeline.history (which uses warehouse.schema).
    if name == "ResmoDuckDBIOManager":
        from resmo_pipeline.warehouse.io_manager import ResmoDuckDBIOManager

        return ResmoDuckDBIOManager
    raise AttributeError(name)


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
