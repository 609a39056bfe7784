"""Turning collected API items into warehouse rows, and warehouse rows back into parent rows.

Values are converted to the declared DuckDB type: timestamps to naive UTC (`0001-01-01T00:00:00Z`, the
service's "never", becomes NULL), JSON columns to JSON text, booleans and integers from their JSON or
string forms. Anything that does not convert becomes NULL rather than failing the whole type; `raw` keeps
the original.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from resmo_pipeline.catalog.common import dig
from resmo_pipeline.catalog.model import Column, Record, ResourceType

#: pandas dtype per DuckDB column type (nullable, so NULLs survive the trip into DuckDB).
PANDAS_DTYPES = {
    "VARCHAR": "object",
    "JSON": "object",
    "BIGINT": "Int64",
    "BOOLEAN": "boolean",
    "DOUBLE": "Float64",
    "TIMESTAMP": "datetime64[us]",
}


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (any fraction length, `Z` or offset) as naive UTC; year 1 ("never") → None."""
    if isinstance(value, str):
        if not value.strip():
            return None
    elif value is None or isinstance(value, list | dict) or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        parsed = value.to_pydatetime()
    elif isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str):
        try:
            parsed = pd.Timestamp(value).to_pydatetime()
        except (TypeError, ValueError):
            return None
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return None if parsed.year <= 1 else parsed


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    if isinstance(value, int):
        return bool(value)
    return None


def _to_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _to_varchar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


CONVERTERS = {
    "VARCHAR": _to_varchar,
    "JSON": _to_json,
    "BIGINT": _to_int,
    "BOOLEAN": _to_bool,
    "DOUBLE": _to_float,
    "TIMESTAMP": parse_timestamp,
}


def column_value(column: Column, item: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
    """A column's value for one record, before type conversion."""
    if column.context:
        return context.get(column.name)
    if callable(column.path):
        return column.path(item, context)
    return dig(item, column.path or column.name)


def resource_id(key_values: Sequence[Any]) -> str:
    """The row's `resource_id`: the natural key's values joined with '/'."""
    return "/".join("" if v is None else str(v) for v in key_values)


def build_frame(
    resource_type: ResourceType, records: Iterable[Record], organization: str, fetched_at: datetime
) -> tuple[pd.DataFrame, int]:
    """The table rows for these records, exactly `resource_type.column_names` in order, one per distinct
    `resource_id` (the first record wins), and how many duplicate records were dropped."""
    names = resource_type.column_names
    values: dict[str, list[Any]] = {name: [] for name in names}
    converters = [(c, CONVERTERS[c.type]) for c in resource_type.columns]
    key_positions = [i for i, c in enumerate(resource_type.columns) if c.name in resource_type.key]
    key_order = sorted(key_positions, key=lambda i: resource_type.key.index(resource_type.columns[i].name))
    seen: set[str] = set()
    duplicates = 0
    for item, context in records:
        converted = [convert(column_value(column, item, context)) for column, convert in converters]
        rid = resource_id([converted[i] for i in key_order])
        if rid in seen:
            duplicates += 1
            continue
        seen.add(rid)
        values["resource_id"].append(rid)
        for (column, _), value in zip(converters, converted, strict=True):
            values[column.name].append(value)
        values["raw"].append(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
    count = len(values["resource_id"])
    values["organization"] = [organization] * count
    values["fetched_at"] = [fetched_at] * count
    types = resource_type.column_types
    frame = pd.DataFrame({name: pd.Series(values[name], dtype=PANDAS_DTYPES[types[name]]) for name in names})
    return frame, duplicates


def empty_frame(resource_type: ResourceType) -> pd.DataFrame:
    """A frame with the type's columns and dtypes and no rows."""
    types = resource_type.column_types
    return pd.DataFrame({name: pd.Series([], dtype=PANDAS_DTYPES[t]) for name, t in types.items()})


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") and not isinstance(value, str | bytes) else value


def parent_rows_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Parent rows from a table's rows (as collected, or as loaded from the warehouse): every column by
    name with plain Python values (NULL → None) and `raw` decoded back into a dict."""
    rows = []
    for record in frame.to_dict(orient="records"):
        row = {name: _plain(value) for name, value in record.items()}
        raw = row.get("raw")
        if isinstance(raw, str):
            row["raw"] = json.loads(raw)
        rows.append(row)
    return rows
