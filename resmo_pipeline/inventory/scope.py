"""Partial refreshes: re-read only the resources an audit-log entry names, keep the rest as stored.

A change to one service connection's pipeline permissions should not re-read the permissions of all 7,000
protected resources of a large organization. The change sensor turns each audit entry into a *selector* per
affected type with the catalog's ``audit_scope`` (see ``catalog.model.AuditScope``)::

    {"rows": {"project_id": "…", "resource_type": "endpoint", "resource_id_ref": "…"}, "calls": {…}}

and puts them on the run as the ``resmo/refresh_scope`` tag (ids only, never a credential). For a scoped type the
run sends only the fan-out requests whose context matches a selector's ``calls``, then builds the whole table:
the stored rows, minus those matching a selector's ``rows``, plus what the re-read returned for them. The IO
manager writes that table as after any sync, so history compares the whole organization and records exactly the
resources that changed. Values compare as case-insensitive text (the service is not consistent about the case
of ids). A type without stored rows yet is read whole.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.catalog.model import ResourceType
from resmo_pipeline.inventory.rows import PANDAS_DTYPES

logger = logging.getLogger(__name__)

SCOPE_TAG = "resmo/refresh_scope"
#: Beyond this many changed resources of one type in one batch, reading the whole type is simpler and not dearer.
MAX_SELECTORS_PER_TYPE = 25
#: Audit categories that add or remove resources: which resources exist changes, so the whole type is read.
STRUCTURAL_CATEGORIES = frozenset({"create", "remove"})

Selector = dict[str, dict[str, str]]
Scopes = dict[str, list[Selector]]


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value).lower()


def selectors_for(resource_type: ResourceType, entries: Iterable[Mapping[str, Any]]) -> list[Selector] | None:
    """The selectors naming what these audit entries changed in the type, or None: read the whole type."""
    scope = resource_type.audit_scope
    if scope is None:
        return None
    selectors: list[Selector] = []
    for entry in entries:
        if str(entry.get("category") or "").lower() in STRUCTURAL_CATEGORIES:
            return None
        selector = scope.selector(entry)
        if selector is None:
            return None
        if selector not in selectors:
            selectors.append(selector)
    if not selectors or len(selectors) > MAX_SELECTORS_PER_TYPE:
        return None
    return selectors


def encode(scopes: Scopes) -> str:
    """The run tag's value."""
    return json.dumps(scopes, sort_keys=True, separators=(",", ":"))


def decode(text: str | None) -> Scopes:
    """The scopes of a run tag; a tag that is not understood scopes nothing (the types are read whole)."""
    if not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        logger.warning("%s tag is not JSON; reading the selected types whole", SCOPE_TAG)
        return {}
    scopes: Scopes = {}
    for name, selectors in found.items() if isinstance(found, dict) else ():
        if name in RESOURCE_TYPES and isinstance(selectors, list) and selectors and all(
            isinstance(s, dict) and isinstance(s.get("rows"), dict) and s["rows"] for s in selectors
        ):
            scopes[name] = [{"rows": dict(s["rows"]), "calls": dict(s.get("calls") or {})} for s in selectors]
    return scopes


def call_filter(selectors: list[Selector]) -> Callable[[Mapping[str, Any]], bool]:
    """Accepts a fan-out request's context when some selector's ``calls`` all match it.

    A context without one of the named fields is accepted: the request cannot be ruled out.
    """
    wanted = [{k: v.lower() for k, v in s["calls"].items()} for s in selectors]

    def accepts(context: Mapping[str, Any]) -> bool:
        return any(
            all(name not in context or _text(context[name]) == value for name, value in calls.items())
            for calls in wanted
        )

    return accepts


def _matching(frame: pd.DataFrame, selectors: list[Selector]) -> pd.Series:
    hit = pd.Series(False, index=frame.index)
    for selector in selectors:
        mask = pd.Series(True, index=frame.index)
        for column, value in selector["rows"].items():
            if column not in frame.columns:
                mask &= False
                continue
            mask &= frame[column].map(_text) == value.lower()
        hit |= mask
    return hit


def _typed(frame: pd.DataFrame, resource_type: ResourceType) -> pd.DataFrame:
    """Stored rows in the column order and dtypes a collection builds (columns added since are NULL)."""
    types = resource_type.column_types
    return pd.DataFrame(
        {
            name: (frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index))
            .astype("object")
            .where(lambda column: column.notna(), None)
            .astype(PANDAS_DTYPES[types[name]])
            for name in resource_type.column_names
        },
        index=frame.index,
    )


def merge(
    resource_type: ResourceType, stored: pd.DataFrame, fresh: pd.DataFrame, selectors: list[Selector]
) -> pd.DataFrame:
    """The whole table after a partial re-read: stored rows outside the selectors, fresh rows inside them.

    Fresh rows outside every selector (a per-project listing returns the project's other resources too) are
    dropped: they were not asked about, and their stored rows stay. `keep_stored` columns of a re-read row come
    from its stored row when there is one.
    """
    kept = _typed(stored, resource_type)
    kept_outside = kept[~_matching(kept, selectors)]
    renewed = fresh[_matching(fresh, selectors)].copy()
    scope = resource_type.audit_scope
    keep = [c for c in (scope.keep_stored if scope else ()) if c in renewed.columns]
    if keep and not renewed.empty:
        before = kept.drop_duplicates("resource_id").set_index("resource_id")
        known = renewed["resource_id"].isin(before.index)
        for column in keep:
            renewed.loc[known, column] = renewed.loc[known, "resource_id"].map(before[column]).to_numpy()
    merged = pd.concat([kept_outside, renewed], ignore_index=True)
    return merged.drop_duplicates("resource_id", keep="last").reset_index(drop=True)
