"""How assets present themselves in the Dagster UI: owners, tags, table names and code references.

Owners come from ``RESMO_ASSET_OWNERS``, a comma-separated list of Dagster owners (an email address or
``team:name``), default ``team:security``. An entry ``area=owner`` applies to that area's assets only (the catalog
group, e.g. ``pipelines=team:platform``) and replaces the general owners there. An invalid entry is left out
with a warning naming it: a typo in a setting must not take the whole code location down.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import dagster as dg

log = logging.getLogger(__name__)

OWNERS_ENV = "RESMO_ASSET_OWNERS"
DEFAULT_OWNERS = ("team:security",)
AREA_TAG = "area"
SCOPE_TAG = "pat_scope"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog"


def _valid_owner(owner: str) -> bool:
    return bool(_EMAIL.match(owner)) or (owner.startswith("team:") and len(owner) > len("team:"))


@functools.cache
def _owner_settings(value: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    general: list[str] = []
    by_area: dict[str, list[str]] = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        area, _, owner = entry.rpartition("=")
        owner = owner.strip()
        if not _valid_owner(owner):
            log.warning(
                "%s: %r is not an owner (an email address or team:name); it is left out", OWNERS_ENV, entry
            )
            continue
        if area:
            by_area.setdefault(area.strip(), []).append(owner)
        else:
            general.append(owner)
    return tuple(general) or DEFAULT_OWNERS, {area: tuple(owners) for area, owners in by_area.items()}


def asset_owners(area: str) -> list[str]:
    """The owners of an area's assets (RESMO_ASSET_OWNERS, default team:security)."""
    general, by_area = _owner_settings(os.environ.get(OWNERS_ENV, ""))
    return list(by_area.get(area, general))


def _tag_value(value: str) -> str:
    # Dagster tag values: at most 63 letters, digits, '-', '_' or '.'.
    return re.sub(r"[^A-Za-z0-9_.-]", "_", value)[:63]


def asset_tags(area: str, scope: str | None = None) -> dict[str, str]:
    """Tags the catalog filters on: the area and, for a type read from the API, the PAT scope it needs."""
    tags = {AREA_TAG: _tag_value(area)}
    if scope:
        tags[SCOPE_TAG] = _tag_value(scope)
    return tags


def table_name(schema: str, table: str) -> dict[str, str]:
    """``dagster/table_name`` as SQL names the table in the warehouse."""
    return {"dagster/table_name": f"{schema}.{table}"}


def code_reference(path: Path, line: int | None = None, label: str | None = None) -> dict[str, dg.MetadataValue]:
    """``dagster/code_references`` to a file (the UI's "Open in editor" link)."""
    # Code references are a beta API of Dagster 1.13: its warning, once per asset, would drown the log.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        reference = dg.LocalFileCodeReference(file_path=str(path.resolve()), line_number=line, label=label)
        return {"dagster/code_references": dg.CodeReferencesMetadataValue(code_references=[reference])}


@functools.cache
def _catalog_entries() -> dict[str, tuple[Path, int]]:
    entries: dict[str, tuple[Path, int]] = {}
    pattern = re.compile(r'^\s+name="([a-z0-9_]+)",')
    for path in sorted(_CATALOG_DIR.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = pattern.match(line)
            if match:
                entries.setdefault(match.group(1), (path, number))
    return entries


def catalog_code_reference(resource_type: str) -> dict[str, dg.MetadataValue]:
    """A code reference to the catalog entry that defines this resource type (none if it is not found)."""
    found = _catalog_entries().get(resource_type)
    if found is None:
        return {}
    path, line = found
    return code_reference(path, line, label=f"catalog entry {resource_type}")


def text_table(rows: Iterable[Mapping[str, object]], columns: Mapping[str, str]) -> dg.TableMetadataValue:
    """A table metadata value of text cells: ``columns`` maps each column's name to its meaning."""
    return dg.TableMetadataValue(
        records=[dg.TableRecord({name: "" if row.get(name) is None else str(row[name]) for name in columns})
                 for row in rows],
        schema=dg.TableSchema(
            columns=[dg.TableColumn(name, "string", description=text) for name, text in columns.items()]
        ),
    )
