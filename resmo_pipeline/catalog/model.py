"""The shape of a catalog entry: what one Azure DevOps resource type is and how it is read.

A `ResourceType` is data, not code: where its items come from (`Endpoint` plus the parent rows it fans out
over), which columns its warehouse table `azure_devops.<name>` has and how each is read from an item, its
natural key, the PAT scope it needs, and how history and change detection should treat it. The collection
engine (`resmo_pipeline.inventory.collect`) and the Dagster asset factory both work only from these entries.

Row contract of every table: `organization` (lower-case), `resource_id` (the key columns joined with '/'),
the declared columns in order, `fetched_at` (TIMESTAMP, UTC) and `raw` (the item as JSON text).

Parent rows: when a type fans out over another type (repositories → branches), each *parent row* is a dict
holding the parent table's columns by name (`organization`, `resource_id`, every declared column) plus
`raw` decoded back into a dict. The Dagster layer builds them from the parent table with
`inventory.rows.parent_rows_from_frame`; `collect_all` passes them on in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from resmo_pipeline.azure_devops import Endpoint

if TYPE_CHECKING:
    from resmo_pipeline.azure_devops import AzureDevOpsClient

ColumnType = Literal["VARCHAR", "BIGINT", "BOOLEAN", "TIMESTAMP", "DOUBLE", "JSON"]
Scope = Literal["organization", "project", "parent"]
WriteMode = Literal["replace", "append"]

#: Names the row contract (organization, resource_id, fetched_at, raw) and the SCD2 history tables
#: (valid_from, valid_to, row_hash, is_deleted) use themselves; typed columns must not take them.
RESERVED_COLUMNS = frozenset(
    {"organization", "resource_id", "fetched_at", "raw", "valid_from", "valid_to", "row_hash", "is_deleted"}
)

#: A column's value from the item (and the request's context, e.g. the parent's ids).
Extractor = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
#: A path parameter / context value taken from a parent row.
ParentValue = str | Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Column:
    """One typed column of a resource type's table.

    `path` is a dotted path into the item (`authorization.parameters.authenticationType`; list indexes are
    numbers), or a function `(item, context) -> value`. A column with `context=True` is read from the
    request's context instead: the parent's identifiers (project_id, repository_id, ...) put there by the
    fan-out, or values a hook computed.
    """

    name: str
    type: ColumnType
    path: str | Extractor | None = None
    description: str = ""
    context: bool = False


def col(name: str, type: ColumnType, path: str | Extractor | None = None, description: str = "") -> Column:
    """A column read from the item; `path` defaults to the name in camelCase (`is_shared` → `isShared`)."""
    return Column(name, type, path if path is not None else _camel(name), description)


def ctx(name: str, type: ColumnType = "VARCHAR", description: str = "") -> Column:
    """A column read from the request context (parent identifiers or values computed by a hook)."""
    return Column(name, type, None, description, context=True)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Call:
    """One request of a fan-out: path parameters, extra query parameters and the context it gives rows."""

    path_params: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FanOut:
    """How a type is requested once per row of a parent type.

    `path_params` and `context` map names to a parent-row field name or a function of the parent row.
    `where` limits the parent rows (e.g. skip disabled repositories); `expand` replaces the mapping for
    parents that need several calls each (a service connection shared with three projects has a pipeline
    permission in each). `endpoint` overrides the type's endpoint for this source. `parent=None` is one
    organization-level call (e.g. organization feeds beside the per-project feeds).
    """

    parent: str | None
    path_params: Mapping[str, ParentValue] = field(default_factory=dict)
    context: Mapping[str, ParentValue] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    where: Callable[[Mapping[str, Any]], bool] | None = None
    expand: Callable[[Mapping[str, Any]], Iterable[Call]] | None = None
    endpoint: Endpoint | None = None

    def calls(self, parent_rows: Iterable[Mapping[str, Any]]) -> list[Call]:
        """Every request this fan-out makes for these parent rows."""
        if self.parent is None:
            return [Call(params=dict(self.params))]
        calls: list[Call] = []
        for row in parent_rows:
            if self.where is not None and not self.where(row):
                continue
            if self.expand is not None:
                calls.extend(self.expand(row))
                continue
            calls.append(
                Call(
                    path_params={k: str(_parent_value(row, v)) for k, v in self.path_params.items()},
                    params=dict(self.params),
                    context={k: _parent_value(row, v) for k, v in self.context.items()},
                )
            )
        return calls


def _parent_value(row: Mapping[str, Any], source: ParentValue) -> Any:
    return source(row) if callable(source) else row.get(source)


#: One collected item with the context of the request that returned it.
Record = tuple[dict[str, Any], dict[str, Any]]


@dataclass
class FetchContext:
    """What a custom `fetch` hook gets: the client, the parent rows, the incremental `since`, and where to
    put warnings (non-fatal problems the user should see in the materialization's metadata)."""

    resource_type: ResourceType
    client: AzureDevOpsClient
    parent_rows: Mapping[str, list[dict[str, Any]]]
    since: Any = None
    warnings: list[str] = field(default_factory=list)
    #: A partial refresh: only fan-out requests whose context this accepts are sent (None: every request).
    only: Callable[[Mapping[str, Any]], bool] | None = None
    #: Projects left out of a per-project read, each with why ("project X: Repos is off in this project").
    skipped: list[str] = field(default_factory=list)

    def check(self, body: Any, url: str = "") -> None:
        """Raise `UnavailableError` when the type's `expect` finds a problem with an answer body.

        Internal endpoints change without notice: an answer that lost its expected shape makes the type
        unavailable instead of silently writing wrong (or no) rows.
        """
        expect = self.resource_type.expect
        if expect is None:
            return
        problem = expect(body)
        if problem:
            from resmo_pipeline.azure_devops import UnavailableError

            reason = f"the internal endpoint's answer changed: {problem}"
            raise UnavailableError(reason, reason=f"{reason} (at {url})" if url else reason, url=url or None)


#: A value taken from an audit-log entry: a dotted path into it ("projectId", "data.ResourceId") or a function.
EntryValue = str | Callable[[Mapping[str, Any]], Any]


def _entry_value(entry: Mapping[str, Any], source: EntryValue) -> Any:
    if callable(source):
        return source(entry)
    current: Any = entry
    for step in source.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(step)
    return current


@dataclass(frozen=True)
class AuditScope:
    """How an audit-log entry names the rows of a type it changed, so a refresh reads only those.

    `rows` maps table columns to where the entry holds their value: the stored rows matching all of them are
    replaced by what a re-read returns for them (none returned = the resource is gone). `calls` maps the
    fan-out request context (e.g. ``project_id``) the same way: only the requests whose context matches are
    sent. `keep_stored`: columns a partial read cannot know (e.g. the first project listing a shared
    connection); a re-read row that was stored before keeps its stored values there. An entry for which any
    value is missing refreshes the whole type, as do entries that create or remove resources.
    """

    rows: Mapping[str, EntryValue]
    calls: Mapping[str, EntryValue] = field(default_factory=dict)
    keep_stored: tuple[str, ...] = ()

    def selector(self, entry: Mapping[str, Any]) -> dict[str, dict[str, str]] | None:
        """``{"rows": {column: value}, "calls": {context: value}}`` for this entry, or None when it cannot tell."""
        found: dict[str, dict[str, str]] = {"rows": {}, "calls": {}}
        for part, sources in (("rows", self.rows), ("calls", self.calls)):
            for column, source in sources.items():
                value = _entry_value(entry, source)
                if value is None or value == "":
                    return None
                found[part][column] = str(value)
        return found


@dataclass(frozen=True)
class ResourceType:
    """One Azure DevOps resource type: one catalog entry, one asset, one table `azure_devops.<name>`.

    - `scope`: "organization" (one listing for the whole organization), "project" (one per project) or
      "parent" (one per row of each `fan_out` parent).
    - `key`: natural key columns; `resource_id` is their values joined with '/'.
    - `required_scope`: the PAT scope that reads it; a token without it gets 403 and the type is recorded
      as not collected.
    - `internal`: read through an undocumented endpoint that may change without notice; such types are
      skipped when internal APIs are switched off (`RESMO_INTERNAL_APIS=off`).
    - `track_history` / `ignore_in_history`: whether SCD2 history is kept, and which top-level raw keys are
      too volatile to count as a change.
    - `write_mode`: "replace" (the organization's rows are replaced) or "append" (new rows are added by key).
    - `audit_actions`: audit-log `actionId` prefixes meaning this type changed (for change detection);
      `audit_scope`: how such an entry names the changed rows, so a refresh re-reads only them.
    - `since_param` / `since_field`: incremental types: the query parameter receiving the newest stored
      timestamp and the item field compared against it (only newer items are kept).
    - `expect_duplicates`: the same resource is listed more than once (shared with several projects); the
      first listing is kept without a warning.
    - `extra_parents`: types a hook reads that are not fan-out parents; `extra_endpoints`: endpoints a hook
      calls (so their requests are counted for this type and documented).
    - `expect`: checks each answer body of an internal endpoint (the standard listing runs it; a `fetch` hook
      calls `FetchContext.check`); a problem makes the type unavailable instead of writing wrong rows.
    - Hooks: `fetch` replaces the standard listing (computed or odd-shaped types); `explode` turns one API
      item into several rows (one per access control entry); `enrich` adds context to the records after the
      listing (e.g. resolved names) and may call the client.
    """

    name: str
    area: str
    description: str
    endpoint: Endpoint | None
    scope: Scope
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required_scope: str
    fan_out: tuple[FanOut, ...] = ()
    internal: bool = False
    enabled_by_default: bool = True
    track_history: bool = True
    ignore_in_history: tuple[str, ...] = ()
    write_mode: WriteMode = "replace"
    audit_actions: tuple[str, ...] = ()
    audit_scope: AuditScope | None = None
    since_param: str | None = None
    since_field: str | None = None
    fetch: Callable[[FetchContext], list[Record]] | None = None
    explode: Callable[[dict[str, Any]], Iterable[dict[str, Any]]] | None = None
    enrich: Callable[[FetchContext, list[Record]], list[Record]] | None = None
    extra_parents: tuple[str, ...] = ()
    expect_duplicates: bool = False
    extra_endpoints: tuple[Endpoint, ...] = ()
    #: Internal types: checks each answer body before rows are built; returns what is wrong, or None.
    expect: Callable[[Any], str | None] | None = None

    @property
    def parents(self) -> tuple[str, ...]:
        """Types that must be collected first (their rows drive the fan-out or a hook)."""
        names = [f.parent for f in self.fan_out if f.parent is not None] + list(self.extra_parents)
        return tuple(dict.fromkeys(names))

    @property
    def is_read_per_user(self) -> bool:
        """Read with one request per user (personal access tokens): users outnumber every other object of an
        organization, so these are its longest reads."""
        return any(f.parent == "users" for f in self.fan_out)

    @property
    def column_names(self) -> list[str]:
        """The table's columns in order, including the row-contract columns."""
        return ["organization", "resource_id", *(c.name for c in self.columns), "fetched_at", "raw"]

    @property
    def column_types(self) -> dict[str, str]:
        """DuckDB type of every column of the table, in order (what the IO manager creates)."""
        types = {"organization": "VARCHAR", "resource_id": "VARCHAR"}
        types.update({c.name: c.type for c in self.columns})
        types.update({"fetched_at": "TIMESTAMP", "raw": "JSON"})
        return types

    @property
    def all_endpoints(self) -> tuple[Endpoint, ...]:
        """Every endpoint this type reads (the main one and fan-out overrides)."""
        found: list[Endpoint] = [self.endpoint] if self.endpoint is not None else []
        for extra in [f.endpoint for f in self.fan_out if f.endpoint is not None] + list(self.extra_endpoints):
            if all(extra is not e for e in found):
                found.append(extra)
        return tuple(found)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate column names")
        clashing = RESERVED_COLUMNS.intersection(names)
        if clashing:
            raise ValueError(f"{self.name}: columns {sorted(clashing)} are reserved for the row contract or history")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"{self.name}: key columns {missing} are not declared columns")
        if self.scope != "organization" and not self.fan_out and self.fetch is None:
            raise ValueError(f"{self.name}: scope {self.scope!r} needs a fan_out or a fetch hook")
        if self.endpoint is None and self.fetch is None:
            raise ValueError(f"{self.name}: needs an endpoint or a fetch hook")
        if self.audit_scope is not None:
            # A partial re-read goes through the standard listing; the rows it replaces are found by columns.
            if self.fetch is not None:
                raise ValueError(f"{self.name}: audit_scope needs the standard listing, not a fetch hook")
            unknown = [c for c in (*self.audit_scope.rows, *self.audit_scope.keep_stored) if c not in names]
            if unknown:
                raise ValueError(f"{self.name}: audit_scope names unknown columns {unknown}")
            if set(self.audit_scope.keep_stored) & set(self.key):
                raise ValueError(f"{self.name}: audit_scope cannot keep stored key columns")
