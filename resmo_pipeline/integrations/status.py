"""What this installation knows about each connected organization: its status, last successful sync, and rows
and collection outcomes per resource type, from the registry and the warehouse's read copy.

Kept apart from ``lifecycle`` (which talks to Azure DevOps and Dagster) so `integrations list` and the demo's
summary load neither.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from resmo_pipeline import settings
from resmo_pipeline.integrations.registry import Integration, Registry, normalize_name
from resmo_pipeline.warehouse.access import read_connection


@dataclass(frozen=True)
class IntegrationStatus:
    """One line of `integrations list`: the settings plus what the warehouse knows about the organization."""

    integration: Integration
    last_success_at: str | None
    tables: int
    rows: int
    not_collected: list[str] = field(default_factory=list)
    #: Types whose endpoint or service is not offered here (404, HTML page, feature off), with why.
    unavailable: dict[str, str] = field(default_factory=dict)
    #: Types whose last read left projects out, with the projects and why.
    skipped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """'enabled' or 'disabled' (paused: kept but not polled)."""
        return "enabled" if self.integration.enabled else "disabled"


_reader: contextvars.ContextVar[duckdb.DuckDBPyConnection | None] = contextvars.ContextVar(
    "resmo_status_reader", default=None
)


@contextmanager
def one_reader() -> Iterator[None]:
    """Answer every status question inside the block from one read connection (opening one costs ~0.1 s)."""
    if _reader.get() is not None or not settings.warehouse_path().exists():
        yield
        return
    with read_connection(settings.warehouse_path()) as conn:
        token = _reader.set(conn)
        try:
            yield
        finally:
            _reader.reset(token)


def _query(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Rows from the warehouse read path; nothing when there is no warehouse (or no such table) yet."""
    if not settings.warehouse_path().exists():
        return []
    try:
        shared = _reader.get()
        if shared is not None:
            return shared.execute(sql, params or []).fetchall()
        with read_connection(settings.warehouse_path()) as conn:
            return conn.execute(sql, params or []).fetchall()
    except duckdb.CatalogException:
        return []


def table_row_counts(organization: str | None = None) -> dict[str, dict[str, int]]:
    """Rows per organization per inventory table (``{org: {table: rows}}``), optionally for one organization."""
    tables = [
        row[0]
        for row in _query(
            # Base tables only: the permission views expand the same rows to every user.
            "SELECT DISTINCT c.table_name FROM information_schema.columns AS c "
            "JOIN information_schema.tables AS t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'azure_devops' AND c.column_name = 'organization' "
            "AND t.table_type = 'BASE TABLE' ORDER BY c.table_name"
        )
    ]
    if not tables:
        return {}
    where = "WHERE organization = $org" if organization else ""
    union = " UNION ALL ".join(
        f"SELECT organization, '{table}', count(*) FROM azure_devops.\"{table}\" {where} GROUP BY organization"
        for table in tables
    )
    counts: dict[str, dict[str, int]] = {}
    for org, table, rows in _query(union, {"org": normalize_name(organization)} if organization else None):
        counts.setdefault(org, {})[table] = int(rows)
    return counts


def latest_collection_status(organization: str) -> dict[str, tuple[str, str | None]]:
    """The latest collection outcome per resource type: ``{type: (status, required_scope or error)}``."""
    rows = _query(
        "SELECT resource_type, status, coalesce(required_scope, error) FROM meta.collection_runs "
        "WHERE organization = ? QUALIFY row_number() OVER (PARTITION BY resource_type "
        "ORDER BY finished_at DESC NULLS LAST) = 1 ORDER BY resource_type",
        [normalize_name(organization)],
    )
    return {resource_type: (status, detail) for resource_type, status, detail in rows}


def latest_skipped_projects(organization: str) -> dict[str, list[str]]:
    """Per resource type, the projects its latest collection left out (each with why); types with none omitted."""
    try:
        rows = _query(
            "SELECT resource_type, skipped FROM meta.collection_runs WHERE organization = ? "
            "QUALIFY row_number() OVER (PARTITION BY resource_type ORDER BY finished_at DESC NULLS LAST) = 1 "
            "ORDER BY resource_type",
            [normalize_name(organization)],
        )
    except duckdb.BinderException:  # a warehouse written before projects were recorded as skipped
        return {}
    return {resource_type: skipped.splitlines() for resource_type, skipped in rows if skipped}


def _last_success(integration: Integration) -> str | None:
    rows = _query(
        "SELECT max(finished_at) FROM meta.collection_runs WHERE organization = ? AND status = 'collected'",
        [integration.name],
    )
    finished = rows[0][0] if rows else None
    if isinstance(finished, datetime):
        return finished.isoformat(timespec="seconds")
    if integration.last_sync_status == "success":
        return integration.last_sync_at
    return None


def integration_statuses(registry: Registry | None = None) -> list[IntegrationStatus]:
    """Every connected organization with its status, last successful sync and warehouse row counts."""
    with one_reader():
        return _statuses(registry or Registry())


def _statuses(registry: Registry) -> list[IntegrationStatus]:
    counts = table_row_counts()
    statuses = []
    for integration in registry.list():
        tables = counts.get(integration.name, {})
        latest = latest_collection_status(integration.name)
        not_collected = [
            resource_type for resource_type, (status, _detail) in latest.items()
            if status not in ("collected", "unavailable")
        ]
        unavailable = {
            resource_type: detail or "" for resource_type, (status, detail) in latest.items()
            if status == "unavailable"
        }
        statuses.append(
            IntegrationStatus(
                integration=integration,
                last_success_at=_last_success(integration),
                tables=len(tables),
                rows=sum(tables.values()),
                not_collected=not_collected,
                unavailable=unavailable,
                skipped=latest_skipped_projects(integration.name),
            )
        )
    return statuses
