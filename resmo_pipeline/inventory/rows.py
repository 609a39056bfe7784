"""Turning collected API items into warehouse rows, and warehouse rows back into parent rows.

Values are converted to the declared DuckDB type: timestamps to naive UTC (`0001-01-01T00:00:00Z`, the
service's "never", becomes NULL), JSON columns to JSON text, booleans and integers from their JSON or
string forms. Anything that does not convert becomes NULL rather than failing the whole type; `raw` keeps
the original.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pandas as pd

from resmo_pipeline.catalog.common import dig
from resmo_pipeline.catalog.model import Column, Extractor, Record, ResourceType

# Encoders made once: json.dumps builds a new encoder on every call that passes options.
_STANDARD_RAW_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _raw_json(item: Any) -> str:
    """The item as compact JSON text (orjson: several times faster; the standard encoder for what it refuses,
    such as integers beyond 64 bits)."""
    try:
        return orjson.dumps(item).decode()
    except orjson.JSONEncodeError:
        return _STANDARD_RAW_JSON(item)


_COLUMN_JSON = json.JSONEncoder(ensure_ascii=False, default=str).encode
_VARCHAR_JSON = json.JSONEncoder(ensure_ascii=False).encode

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
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, dict | list):
        return _VARCHAR_JSON(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_json(value: Any) -> str | None:
    return None if value is None else _COLUMN_JSON(value)


CONVERTERS = {
    "VARCHAR": _to_varchar,
    "JSON": _to_json,
    "BIGINT": _to_int,
    "BOOLEAN": _to_bool,
    "DOUBLE": _to_float,
    "TIMESTAMP": parse_timestamp,
}


def _walk(item: Any, steps: tuple[str, ...]) -> Any:
    current = item
    for index, step in enumerate(steps):
        if current.__class__ is not dict:  # lists (numeric steps) and other mappings take the general path
            return dig(current, ".".join(steps[index:]))
        current = current.get(step)
        if current is None:
            return None
    return current


def _column_values(column: Column, records: Sequence[Record]) -> list[Any]:
    """The column's converted value for every record, read the column's way (resolved once per column)."""
    if column.context:
        name = column.name
        values = [context.get(name) for _, context in records]
    elif callable(column.path):
        extract: Extractor = column.path
        values = [extract(item, context) for item, context in records]
    else:
        steps = tuple((column.path or column.name).split("."))
        if len(steps) == 1:
            (key,) = steps
            values = [item.get(key) for item, _ in records]
        else:
            values = [_walk(item, steps) for item, _ in records]
    if column.type == "VARCHAR":  # mostly strings already: convert only the rest
        return [v if v is None or v.__class__ is str else _to_varchar(v) for v in values]
    return list(map(CONVERTERS[column.type], values))


def resource_id(key_values: Sequence[Any]) -> str:
    """The row's `resource_id`: the natural key's values joined with '/'."""
    return "/".join("" if v is None else str(v) for v in key_values)


def build_frame(
    resource_type: ResourceType, records: Iterable[Record], organization: str, fetched_at: datetime
) -> tuple[pd.DataFrame, int]:
    """The table rows for these records, exactly `resource_type.column_names` in order, one per distinct
    `resource_id` (the first record wins), and how many duplicate records were dropped."""
    table = build_table(resource_type, records, organization, fetched_at)
    return table.frame, table.duplicates


@dataclass(frozen=True)
class Table:
    """A type's rows as a frame, and what turning them into parent rows needs without reading the frame back."""

    frame: pd.DataFrame
    duplicates: int
    values: dict[str, list[Any]]  # column → converted Python values, in the frame's row order
    items: list[Any]  # the API item behind each row (what `raw` holds as text)

    def parent_rows(self) -> list[dict[str, Any]]:
        """The same rows as `parent_rows_from_frame(self.frame)`, from the values the frame was made of (no
        conversion back from pandas, no re-parsing of `raw`): a big parent's rows are ready in a fraction of the
        time."""
        names = list(self.frame.columns)
        columns = [self.values[name] for name in names]
        for index, name in enumerate(names):
            if name == "raw":
                columns[index] = self.items
            elif self.frame.dtypes[name] == "Float64":  # a NaN is NULL in the frame
                columns[index] = [None if isinstance(v, float) and math.isnan(v) else v for v in columns[index]]
        return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def build_table(
    resource_type: ResourceType, records: Iterable[Record], organization: str, fetched_at: datetime
) -> Table:
    """`build_frame`, keeping the converted values and items for `Table.parent_rows`."""
    records = records if isinstance(records, list) else list(records)
    by_name = {c.name: c for c in resource_type.columns}
    # Key columns first: duplicates are dropped before the other columns are read.
    keys = {name: _column_values(by_name[name], records) for name in resource_type.key}
    if len(keys) == 1:
        (only,) = keys.values()
        all_ids = ["" if v is None else str(v) for v in only]
    else:
        all_ids = [resource_id(values) for values in zip(*keys.values(), strict=True)]
    first: dict[str, int] = {}
    for index, rid in enumerate(all_ids):
        first.setdefault(rid, index)
    duplicates = len(all_ids) - len(first)
    if duplicates:
        kept = list(first.values())
        records = [records[i] for i in kept]
        keys = {name: [values[i] for i in kept] for name, values in keys.items()}
    count = len(records)
    values: dict[str, list[Any]] = {
        "organization": [organization] * count,
        "resource_id": list(first),
        **{c.name: keys[c.name] if c.name in keys else _column_values(c, records) for c in resource_type.columns},
        "fetched_at": [fetched_at] * count,
        "raw": [_raw_json(item) for item, _ in records],
    }
    types = resource_type.column_types
    frame = pd.DataFrame({name: pd.Series(values[name], dtype=PANDAS_DTYPES[types[name]])
                          for name in resource_type.column_names})
    return Table(frame, duplicates, values, [item for item, _ in records])


def empty_frame(resource_type: ResourceType) -> pd.DataFrame:
    """A frame with the type's columns and dtypes and no rows."""
    types = resource_type.column_types
    return pd.DataFrame({name: pd.Series([], dtype=PANDAS_DTYPES[t]) for name, t in types.items()})


def _plain(value: Any) -> Any:
    if value is None or value.__class__ in _PLAIN_TYPES:
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") and not isinstance(value, str | bytes) else value


_PLAIN_TYPES = frozenset({str, int, bool, dict, list})


def _raw_value(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN or Infinity, which only the standard parser takes
        return json.loads(text)


def parent_rows_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Parent rows from a table's rows (as collected, or as loaded from the warehouse): every column by
    name with plain Python values (NULL → None) and `raw` decoded back into a dict."""
    names = list(frame.columns)
    columns = [_plain_values(frame[name]) for name in names]
    if "raw" in names:
        raw = names.index("raw")
        columns[raw] = [_raw_value(v) if isinstance(v, str) else v for v in columns[raw]]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)] if names else []


def _plain_values(column: pd.Series) -> list[Any]:
    values = column.tolist()
    if column.dtype == object:  # text: strings and None already, anything else takes the general path
        return [v if v is None or v.__class__ is str else _plain(v) for v in values]
    return [_plain(v) for v in values]
