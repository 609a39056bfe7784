"""What changed in the period (``history.changes``), and who changed it.

The first events of each resource type in an organization are its initial inventory ("created" because first
seen, not because someone made them): they are counted, not listed. Every later event is listed, newest first.

Who made a change, in order of trust:

1. ``history.changes.actor`` when the pipeline filled it in;
2. for effective permissions, ``history.permission_changes.changed_by`` (the ACL audit entry it matched);
3. the audit log (``azure_devops.audit_log``): an entry of the organization whose action belongs to the
   resource type (the catalog's ``audit_actions``), between the previous read of that type and the change's
   detection; one naming the resource (its name or id in the entry's details or data) first, the latest such
   entry; when none names it, the only matching entry of that window, if there is exactly one;
4. an identity the resource itself records in the changed fields (``authorizedBy``, ``modifiedBy``, ...);
5. otherwise "unknown".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

UNKNOWN = "unknown"
CATALOG_DIR = Path(__file__).resolve().parents[2] / "catalog"
# Keys under which Azure DevOps resources name the identity that last changed them.
_IDENTITY_KEY = re.compile(r"(?i)^(authorized|modified|changed|updated|created|revised|deleted|last_?modified)_?by$")
_SHORT = 120


@dataclass(frozen=True)
class ChangeReport:
    """The changes of the period: counts per resource type, and the listed (non-initial) changes."""

    counts: list[dict[str, Any]]  # organization, resource_type, created, modified, deleted, initial
    listed: list[dict[str, Any]]  # newest first: detected_at, organization, resource_type, ..., who, who_source
    total_listed: int  # non-initial changes in the period (``listed`` may hold fewer)
    notes: list[str] = field(default_factory=list)

    @property
    def attributed(self) -> int:
        """Listed changes whose author is known."""
        return sum(1 for change in self.listed if change["who"] != UNKNOWN)


def _catalog_key() -> str:
    """Changes when a catalog module changes (size or modification time), or the package moves."""
    digest = hashlib.sha256(str(CATALOG_DIR).encode())
    for path in sorted(CATALOG_DIR.glob("*.py")):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def records(
    conn: duckdb.DuckDBPyConnection, sql: str, values: Sequence[Any] | Mapping[str, Any] = ()
) -> list[dict[str, Any]]:
    """A query's rows as {column: value} dicts."""
    cursor = conn.execute(sql, values if isinstance(values, Mapping) else list(values))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def audit_actions() -> dict[str, list[str]]:
    """Resource type → the audit ``actionId`` prefixes (or area names) meaning it changed, from the catalog.

    Importing the catalog costs about 0.3 s (it loads pandas), so the answer is kept in
    ``RESMO_HOME/cache/report-audit-actions.json`` until a catalog module changes.
    """
    from resmo_pipeline import settings

    key = _catalog_key()
    path = settings.resmo_home() / "cache" / "report-audit-actions.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return stored["actions"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no cache yet, or another version's
    from resmo_pipeline.catalog import RESOURCE_TYPES

    actions = {name: list(rt.audit_actions) for name, rt in RESOURCE_TYPES.items() if rt.audit_actions}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as f:
            json.dump({"key": key, "actions": actions}, f)
        os.replace(f.name, path)
    except OSError:
        pass  # a read-only RESMO_HOME: answer without caching
    return actions


_FIRST_RUNS = """
first_runs AS (
    SELECT organization, resource_type, arg_min(run_id, event_seq) AS first_run
    FROM history.changes GROUP BY ALL
), period AS (
    SELECT c.*, c.run_id = f.first_run AS initial
    FROM history.changes AS c JOIN first_runs AS f USING (organization, resource_type)
    WHERE c.detected_at >= $since AND ($organization::VARCHAR IS NULL OR c.organization = $organization)
)"""

_COUNTS = f"""
WITH {_FIRST_RUNS}
SELECT organization, resource_type,
       count(*) FILTER (WHERE NOT initial AND change_type = 'created') AS created,
       count(*) FILTER (WHERE NOT initial AND change_type = 'modified') AS modified,
       count(*) FILTER (WHERE NOT initial AND change_type = 'deleted') AS deleted,
       count(*) FILTER (WHERE initial) AS initial
FROM period GROUP BY ALL ORDER BY organization, created + modified + deleted DESC, initial DESC, resource_type
"""

_LISTED = f"""
WITH {_FIRST_RUNS}
SELECT event_id, event_seq, detected_at, organization, resource_type, resource_id, resource_name, change_type,
       CAST(changed_fields AS VARCHAR) AS changed_fields, run_id, actor, audit_event_id
FROM period WHERE NOT initial ORDER BY detected_at DESC, event_seq DESC LIMIT $limit
"""

# Audit entries that may explain each listed change (see the module docstring), with whether they name it.
_AUDIT_CANDIDATES = """
WITH listed AS (
    SELECT unnest($listed::STRUCT(event_id VARCHAR, organization VARCHAR, resource_type VARCHAR, resource_id VARCHAR,
                                  resource_name VARCHAR, run_id VARCHAR, detected_at TIMESTAMP)[], recursive := true)
), prefixes AS (
    SELECT unnest($prefixes::STRUCT(resource_type VARCHAR, prefix VARCHAR)[], recursive := true)
), windows AS (
    SELECT l.*, (SELECT max(r.started_at) FROM meta.collection_runs AS r
                 WHERE r.organization = l.organization AND r.resource_type = l.resource_type
                   AND r.run_id <> l.run_id AND r.started_at < l.detected_at) AS after
    FROM listed AS l
)
SELECT DISTINCT w.event_id, a.id AS audit_event_id, a.timestamp, a.action_id,
       coalesce(nullif(a.actor_upn, ''), a.actor_display_name) AS actor,
       contains(lower(concat_ws(' ', a.details, CAST(a.data AS VARCHAR))), lower(nullif(w.resource_name, '')))
       OR contains(lower(concat_ws(' ', a.details, CAST(a.data AS VARCHAR))), lower(nullif(w.resource_id, '')))
       AS names_it
FROM windows AS w
JOIN prefixes AS p ON p.resource_type = w.resource_type
JOIN azure_devops.audit_log AS a
  ON a.organization = w.organization AND (starts_with(a.action_id, p.prefix) OR a.area = p.prefix)
 AND a.timestamp <= w.detected_at AND (w.after IS NULL OR a.timestamp > w.after)
ORDER BY w.event_id, names_it DESC, a.timestamp DESC
"""


_NOISE_KEYS = ("url", "imageUrl", "descriptor", "_links")


def _brief(value: Any) -> str:
    """A value as a person reads it: an identity by its name, an object by its readable fields one level deep."""
    identity = _identity(value) if isinstance(value, dict) else None
    if identity:
        return identity
    if isinstance(value, dict):
        inner = ", ".join(f"{key}: {_identity(item) or ('{…}' if isinstance(item, dict | list) else json.dumps(item))}"
                          for key, item in value.items() if key not in _NOISE_KEYS)
        return "{" + inner + "}"
    return json.dumps(value) if not isinstance(value, str) else value


def _short(value: Any) -> str:
    text = _brief(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def describe_fields(changed_fields: str | None) -> str:
    """``field: before → after`` for each changed top-level field, values shortened."""
    fields = json.loads(changed_fields or "[]") or []
    return "; ".join(f"{c['field']}: {_short(c.get('before'))} → {_short(c.get('after'))}" for c in fields)


def _identity(value: Any) -> str | None:
    if isinstance(value, dict):
        name = value.get("uniqueName") or value.get("displayName") or value.get("principalName")
        return str(name) if name else None
    return str(value) if isinstance(value, str) and value else None


def identity_in_fields(changed_fields: str | None) -> tuple[str, str] | None:
    """(who, field) when a changed field's new value records the identity that made it (e.g. authorizedBy)."""
    for change in json.loads(changed_fields or "[]") or []:
        after = change.get("after")
        pairs = [(change.get("field", ""), after)]
        if isinstance(after, dict):
            pairs += list(after.items())
        for key, value in pairs:
            who = _identity(value) if _IDENTITY_KEY.match(str(key)) else None
            if who:
                return who, str(key)
    return None


def _permission_authors(conn: duckdb.DuckDBPyConnection, seqs: list[int]) -> dict[int, tuple[str, str]]:
    rows = conn.execute(
        "SELECT event_seq, changed_by, audit_action FROM history.permission_changes"
        " WHERE changed_by IS NOT NULL AND list_contains($1, event_seq)",
        [seqs],
    ).fetchall()
    return {seq: (who, action) for seq, who, action in rows}


def _audit_authors(
    conn: duckdb.DuckDBPyConnection, listed: list[dict[str, Any]]
) -> dict[str, tuple[str, str, dt.datetime]]:
    """event id → (who, audit action, when it was logged) from the audit log."""
    actions = audit_actions()
    prefixes = [{"resource_type": t, "prefix": p} for t, ps in actions.items() for p in ps]
    keys = ("event_id", "organization", "resource_type", "resource_id", "resource_name", "run_id", "detected_at")
    rows = [{k: change[k] for k in keys} for change in listed if change["resource_type"] in actions]
    if not rows or not prefixes:
        return {}
    found: dict[str, list[tuple[Any, ...]]] = {}
    for event_id, *candidate in conn.execute(_AUDIT_CANDIDATES, {"listed": rows, "prefixes": prefixes}).fetchall():
        found.setdefault(event_id, []).append(tuple(candidate))
    authors = {}
    for event_id, candidates in found.items():
        naming = [c for c in candidates if c[4] and c[3]]
        chosen = naming[0] if naming else (candidates[0] if len(candidates) == 1 and candidates[0][3] else None)
        if chosen:
            _audit_id, logged_at, action, who, _names = chosen
            authors[event_id] = (who, action, logged_at)
    return authors


def read_changes(
    conn: duckdb.DuckDBPyConnection, tables: set[str], *, organization: str | None, since: dt.datetime, limit: int
) -> ChangeReport:
    """The changes detected since ``since`` (of one organization, or all), with their authors where known."""
    if "history.changes" not in tables:
        return ChangeReport([], [], 0, ["No change history in the warehouse yet: each sync records it."])
    values = {"since": since, "organization": organization}
    counts = records(conn, _COUNTS, values)
    total = sum(row["created"] + row["modified"] + row["deleted"] for row in counts)
    listed = records(conn, _LISTED, {**values, "limit": limit})
    notes = []
    if total > len(listed):
        notes.append(f"The {len(listed)} newest of {total} changes are listed; ask the warehouse for the rest: "
                     "`resmo-pipeline sql \"SELECT * FROM history.changes ORDER BY detected_at DESC\"`.")
    permission_authors: dict[int, tuple[str, str]] = {}
    if "history.permission_changes" in tables:
        seqs = [c["event_seq"] for c in listed if c["resource_type"] == "effective_permissions"]
        permission_authors = _permission_authors(conn, seqs) if seqs else {}
    has_audit = {"azure_devops.audit_log", "meta.collection_runs"} <= tables
    audit_authors = _audit_authors(conn, listed) if has_audit and listed else {}
    if not has_audit:
        notes.append("The audit log was not collected (it needs the vso.auditlog scope), so authors come only "
                     "from what the resources themselves record.")
    for change in listed:
        change["who"], change["who_source"] = _author(change, permission_authors, audit_authors)
        change["fields"] = describe_fields(change.pop("changed_fields"))
    return ChangeReport(counts, listed, total, notes)


def _author(
    change: dict[str, Any],
    permission_authors: dict[int, tuple[str, str]],
    audit_authors: dict[str, tuple[str, str, dt.datetime]],
) -> tuple[str, str]:
    if change.get("actor"):
        return change["actor"], "recorded with the change"
    if change["event_seq"] in permission_authors:
        who, action = permission_authors[change["event_seq"]]
        return who, f"audit log: {action}"
    if change["event_id"] in audit_authors:
        who, action, logged_at = audit_authors[change["event_id"]]
        return who, f"audit log: {action} at {logged_at:%Y-%m-%d %H:%M}"
    recorded = identity_in_fields(change.get("changed_fields"))
    if recorded:
        return recorded[0], f"the resource's {recorded[1]}"
    return UNKNOWN, "no audit entry found"
