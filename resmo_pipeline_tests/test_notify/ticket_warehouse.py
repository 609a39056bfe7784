"""A DuckDB warehouse with the real compliance tables, and findings that open, regress and resolve over time."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from resmo_pipeline.compliance.findings import ensure_compliance_schema
from resmo_pipeline.notify.config import parse_config
from resmo_pipeline.notify.deliver import DeliveryReport, deliver_pending
from resmo_pipeline.notify.tickets.links import ticket_links

NOW = datetime(2026, 11, 28, 12, 0, 0)
RULE = "sc.all_pipelines_access"
_ids = itertools.count(1)


@contextlib.contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short write transaction, as the delivery's connection factory opens one."""
    conn = duckdb.connect(str(path))
    try:
        conn.execute("BEGIN")
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


def make_warehouse(path: Path) -> Path:
    """The compliance tables, with the rule's title and remediation recorded."""
    with connect(path) as conn:
        ensure_compliance_schema(conn)
        conn.execute("INSERT INTO compliance.rules (rule_id, title, severity, resource_type, remediation) VALUES "
                     "(?, 'Service connection open to all pipelines', 'high', 'service_connections', "
                     "'Turn off \"Grant access permission to all pipelines\" and authorize pipelines one by one.')",
                     [RULE])
    return path


def finding_event(path: Path, kind: str, resource: str = "sc-1", *, severity: str = "high", org: str = "contoso",
                  minutes_ago: float = 1.0, project: str = "Contoso Web", rule: str = RULE) -> str:
    """Record a finding transition (and the finding row it belongs to); returns the event id."""
    event_id = f"ev{next(_ids)}"
    at = NOW - timedelta(minutes=minutes_ago)
    url = f"https://dev.azure.com/{org}/{project}/_settings/adminservices?resourceId={resource}"
    with connect(path) as conn:
        conn.execute(
            "INSERT INTO compliance.finding_events (event_id, kind, organization, rule_id, resource_type, "
            "resource_id, resource_name, severity, message, occurred_at, run_id) VALUES "
            "(?, ?, ?, ?, 'service_connections', ?, ?, ?, 'authorized for all pipelines', ?, 'run-1')",
            [event_id, kind, org, rule, resource, f"conn {resource}", severity, at],
        )
        conn.execute("DELETE FROM compliance.findings WHERE rule_id = ? AND organization = ? AND resource_id = ?",
                     [rule, org, resource])
        conn.execute(
            "INSERT INTO compliance.findings (rule_id, organization, resource_id, resource_name, resource_type, "
            "project_name, url, severity, message, status) VALUES (?, ?, ?, ?, 'service_connections', ?, ?, ?, "
            "'authorized for all pipelines', ?)",
            [rule, org, resource, f"conn {resource}", project, url, severity,
             "resolved" if kind == "resolved" else "open"],
        )
    return event_id


def deliver(path: Path, document: dict[str, Any], minutes: float = 0.0) -> DeliveryReport:
    """A delivery pass with a freshly parsed configuration (a new process, as far as channels know)."""
    return deliver_pending(partial(connect, path), parse_config(document), now=NOW + timedelta(minutes=minutes))


def links(path: Path) -> list[dict[str, Any]]:
    """meta.ticket_links."""
    with connect(path) as conn:
        return ticket_links(conn)


def log_rows(path: Path) -> set[tuple[str, str, str, int]]:
    """(event id, channel, status, attempts) of meta.notifications."""
    with connect(path) as conn:
        return {tuple(r) for r in conn.execute(
            "SELECT event_id, channel, status, attempts FROM meta.notifications").fetchall()}


def forget(path: Path, event_id: str | None = None, *, links_too: bool = True) -> None:
    """Play a crash after the channel acted but before the outcome was recorded: drop the records."""
    with connect(path) as conn:
        if event_id is not None:
            conn.execute("DELETE FROM meta.notifications WHERE event_id = ?", [f"finding:{event_id}"])
        if links_too:
            conn.execute("DELETE FROM meta.ticket_links")
