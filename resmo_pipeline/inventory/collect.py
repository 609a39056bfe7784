"""Reading resource types from Azure DevOps into rows: the Dagster-free collection engine.

`collect` reads one catalog type (fanning out over its parents' rows through the client's bounded pool) and
returns its table rows; `collect_all` reads many types in dependency order, parents before children, with
independent types in parallel. The Dagster assets, the benchmarks and the tests all use these, so what a
sync writes is exactly what this module returns.

Errors: the client's typed errors (PermissionDeniedError, AuthenticationError, ...) are raised unchanged;
the caller decides what a refusal means. Exceptions:

- a 404 on one call of a fan-out means that parent vanished between listing it and reading its children,
  which is recorded as a warning, not a failure;
- a 404 on an organization-level listing means the endpoint is not offered here: `UnavailableError`;
- in a per-project read, a project whose call is refused, not found or answered "service off" is skipped
  (`CollectionResult.skipped` names it and says why) and the other projects are read; only when every
  project failed that way is the error raised (a missing PAT scope is refused everywhere).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from resmo_pipeline.azure_devops import (
    AzureDevOpsClient,
    AzureDevOpsError,
    Endpoint,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
)
from resmo_pipeline.azure_devops.errors import redact_url
from resmo_pipeline.catalog import RESOURCE_TYPES, enabled_types
from resmo_pipeline.catalog.model import Call, FanOut, FetchContext, Record, ResourceType
from resmo_pipeline.inventory.rows import Table, build_table, parent_rows_from_frame, parse_timestamp

logger = logging.getLogger(__name__)

ParentRows = Mapping[str, list[dict[str, Any]]]


@dataclass
class CollectionResult:
    """What reading one resource type produced.

    `rows` has exactly the table's columns (`resource_type.column_names`), `column_types` their DuckDB
    types (for the IO manager), `requests`/`retries`/`throttled_s` what it cost at the API, and `warnings`
    non-fatal problems (a vanished parent, an optional lookup that was refused, dropped duplicates).
    """

    resource_type: str
    rows: pd.DataFrame
    requests: int
    column_types: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    retries: int = 0
    throttled_s: float = 0.0
    duration_s: float = 0.0
    #: A partial refresh: how many resources named by the audit log were re-read (0: the whole type was read).
    partial: int = 0
    #: Projects left out of a per-project read and why ("project X: Repos is off in this project (404 ...)").
    skipped: list[str] = field(default_factory=list)
    # What `rows` was built from, while parent rows may still be asked for (see `parent_rows`).
    _table: Table | None = field(default=None, repr=False, compare=False)

    def parent_rows(self) -> list[dict[str, Any]]:
        """These rows as parent rows for the types that fan out over this one.

        Made from the values `rows` was built from when they are still at hand and `rows` was not replaced since
        (a partial refresh merges stored rows in); they are let go then, as only the first call needs them.
        """
        table, self._table = self._table, None
        if table is not None and table.frame is self.rows:
            return table.parent_rows()
        return parent_rows_from_frame(self.rows)


#: Allocations between young-generation collections while an organization is read (CPython's default: 700).
BULK_READ_GC_THRESHOLD = 50_000
#: Longest time (s) one thread runs Python code while others wait for the interpreter (CPython's default: 5 ms).
BULK_READ_SWITCH_INTERVAL_S = 0.001
_bulk_reads = 0
_bulk_reads_lock = threading.Lock()
_saved_settings: tuple[tuple[int, ...], float] | None = None


@contextlib.contextmanager
def bulk_reading() -> Iterator[None]:
    """Tune the interpreter for reading an organization while a read runs, then restore its settings.

    - The garbage collector runs less often. A large read keeps hundreds of thousands of rows alive and allocates
      millions of short-lived objects (JSON answers, rows); with CPython's default thresholds the collector
      scanned that growing heap again and again, about 15 % of the read's CPU with every thread paused for each
      full pass. The answers hold no reference cycles, so they are freed as before; only the (rare) cyclic garbage
      waits a little longer.
    - Threads take turns every 1 ms instead of 5 ms. While one thread turns a big type into rows (pure Python,
      seconds for 30,000 entitlements), each of the 16 request threads waited up to 5 ms for the interpreter at
      every step of every request (send, answer, parse), and requests took 30-50 ms instead of 21; with 1 ms the
      large read's wall time dropped by about 3 % (benchmarks/client_read.py, medians of three).

    Process-wide, so it is counted: nested and concurrent reads restore the settings when the last one ends.
    """
    global _bulk_reads, _saved_settings
    with _bulk_reads_lock:
        if _bulk_reads == 0:
            _saved_settings = gc.get_threshold(), sys.getswitchinterval()
            gc.set_threshold(max(BULK_READ_GC_THRESHOLD, _saved_settings[0][0]), *_saved_settings[0][1:])
            sys.setswitchinterval(min(BULK_READ_SWITCH_INTERVAL_S, _saved_settings[1]))
        _bulk_reads += 1
    try:
        yield
    finally:
        with _bulk_reads_lock:
            _bulk_reads -= 1
            if _bulk_reads == 0 and _saved_settings is not None:
                gc.set_threshold(*_saved_settings[0])
                sys.setswitchinterval(_saved_settings[1])


def _default_fan_out() -> tuple[FanOut, ...]:
    return (FanOut(parent=None),)


def _endpoint_cost(client: AzureDevOpsClient, endpoints: Iterable[Endpoint]) -> tuple[int, int, float]:
    requests = retries = 0
    throttled = 0.0
    for path in {e.path for e in endpoints}:
        stats = client.stats.per_endpoint.get(path)
        if stats is not None:
            requests += stats.requests
            retries += stats.retries
            throttled += stats.throttled_s
    return requests, retries, throttled


#: Fan-out parents whose calls are one project's: a failure there skips that project, not the type.
PROJECT_PARENTS = frozenset({"projects"})


def _project_label(call: Call) -> str:
    context = call.context
    return str(context.get("project_name") or context.get("project_id") or dict(call.path_params))


def _skip_reason(error: AzureDevOpsError) -> str:
    if isinstance(error, UnavailableError):
        return error.reason
    if isinstance(error, PermissionDeniedError):
        return f"access denied (403 at {error.url}): {error.message}"
    return f"not found or not visible to this credential (404 at {error.url})"


def _listing(resource_type: ResourceType, fc: FetchContext) -> list[Record]:
    """The standard read: one call per fan-out request, items tagged with the request's context."""
    planned: list[tuple[Endpoint, Call, str | None]] = []
    for fan in resource_type.fan_out or _default_fan_out():
        endpoint = fan.endpoint or resource_type.endpoint
        assert endpoint is not None
        rows = fc.parent_rows.get(fan.parent, []) if fan.parent else []
        planned.extend((endpoint, call, fan.parent) for call in fan.calls(rows))
    if fc.only is not None:
        planned = [plan for plan in planned if fc.only(plan[1].context)]
    since_params = {}
    if fc.since is not None and resource_type.since_param:
        since_params[resource_type.since_param] = _iso(fc.since)
    vanished: list[str] = []
    skipped: list[tuple[str, AzureDevOpsError]] = []

    def read(plan: tuple[Endpoint, Call, str | None]) -> list[Record]:
        endpoint, call, parent = plan
        params = {**call.params, **since_params}
        try:
            if endpoint.items_key is None:
                body = fc.client.get(endpoint, path_params=call.path_params, params=params)
                if resource_type.expect is not None:
                    fc.check(body, redact_url(fc.client.url(endpoint, call.path_params)))
                items = [body] if body is not None else []
            else:
                items = fc.client.list(endpoint, path_params=call.path_params, params=params)
                if resource_type.expect is not None:
                    fc.check(items, redact_url(fc.client.url(endpoint, call.path_params)))
        except (UnavailableError, PermissionDeniedError, NotFoundError) as error:
            if parent in PROJECT_PARENTS:
                skipped.append((_project_label(call), error))
                return []
            if isinstance(error, NotFoundError) and parent is not None:
                vanished.append(f"{endpoint.path} {dict(call.path_params)}")
                return []
            if isinstance(error, NotFoundError):
                raise UnavailableError(error.message, reason=f"404 at {error.url}", status=404,
                                       type_key=error.type_key, url=error.url) from None
            raise
        return [(item, dict(call.context)) for item in items if isinstance(item, dict)]

    records = [record for records in fc.client.map(read, planned) for record in records]
    project_calls = sum(1 for plan in planned if plan[2] in PROJECT_PARENTS)
    if skipped and len(skipped) == project_calls and not records:
        # Every project failed alike (a missing PAT scope, the service off everywhere): the type's outcome.
        first = skipped[0][1]
        if isinstance(first, PermissionDeniedError | UnavailableError):
            raise first
    for project, error in skipped:
        fc.skipped.append(f"project {project}: {_skip_reason(error)}")
    if vanished:
        fc.warnings.append(f"{len(vanished)} parent(s) not found, removed during the sync? (first: {vanished[0]})")
    return records


def _iso(moment: datetime | str) -> str:
    """The moment as the service writes it (UTC, `Z`); naive moments are UTC, as the warehouse stores them."""
    if isinstance(moment, str):
        return moment
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.isoformat().replace("+00:00", "Z")


def _newer_than(records: list[Record], field_name: str, since: datetime | str) -> list[Record]:
    threshold = parse_timestamp(since)
    if threshold is None:
        return records
    kept = []
    for item, context in records:
        stamp = parse_timestamp(item.get(field_name))
        if stamp is None or stamp > threshold:
            kept.append((item, context))
    return kept


def collect(
    resource_type: ResourceType | str,
    client: AzureDevOpsClient,
    parent_rows: ParentRows | None = None,
    since: datetime | str | None = None,
    only: Callable[[Mapping[str, Any]], bool] | None = None,
    *,
    for_children: bool = False,
) -> CollectionResult:
    """Read one resource type for the client's organization.

    `parent_rows` maps each parent type's name to its parent rows (see `catalog.model`); types without
    parents ignore it. `since` (incremental types such as audit_log): only items newer than this moment
    are asked for and kept — pass the newest timestamp already stored. `only` (a partial refresh, see
    `inventory.scope`): send only the fan-out requests whose context it accepts. `for_children`: other types
    fan out over this one, so the result keeps what makes its `parent_rows()` quick.
    """
    rt = RESOURCE_TYPES[resource_type] if isinstance(resource_type, str) else resource_type
    started = time.monotonic()
    fetched_at = datetime.now(UTC).replace(tzinfo=None)
    before = _endpoint_cost(client, rt.all_endpoints)
    fc = FetchContext(resource_type=rt, client=client, parent_rows=parent_rows or {}, since=since, only=only)
    records = rt.fetch(fc) if rt.fetch is not None else _listing(rt, fc)
    if rt.explode is not None:
        records = [(part, dict(context)) for item, context in records for part in rt.explode(item)]
    if since is not None and rt.since_field:
        records = _newer_than(records, rt.since_field, since)
    if rt.enrich is not None:
        records = rt.enrich(fc, records)
    table = build_table(rt, records, client.organization.lower(), fetched_at)
    del records
    if table.duplicates and not rt.expect_duplicates:
        fc.warnings.append(f"{table.duplicates} duplicate rows (same resource_id) dropped")
    after = _endpoint_cost(client, rt.all_endpoints)
    return CollectionResult(
        resource_type=rt.name,
        rows=table.frame,
        requests=after[0] - before[0],
        column_types=rt.column_types,
        warnings=fc.warnings,
        skipped=fc.skipped,
        retries=after[1] - before[1],
        throttled_s=round(after[2] - before[2], 3),
        duration_s=round(time.monotonic() - started, 3),
        _table=table if for_children else None,
    )


def collect_all(
    client: AzureDevOpsClient,
    types: Iterable[ResourceType | str] | None = None,
    *,
    since: Mapping[str, datetime | str] | None = None,
    parallel_types: int = 8,
) -> dict[str, CollectionResult]:
    """Read many types (default: every enabled type) with parents before children, in memory.

    Independent types run concurrently (`parallel_types` at a time) so the client's pool stays busy; the
    client still bounds the requests in flight. Parents of the requested types are collected too when they
    are not requested themselves. The first error is raised (as `collect` raises it), after the types already
    running finish. Returns results in catalog (dependency) order.
    """
    wanted = {RESOURCE_TYPES[t].name if isinstance(t, str) else t.name
              for t in (types if types is not None else enabled_types())}
    needed = set(wanted)
    pending_parents = list(wanted)
    while pending_parents:
        for parent in RESOURCE_TYPES[pending_parents.pop()].parents:
            if parent not in needed:
                needed.add(parent)
                pending_parents.append(parent)
    order = [name for name in RESOURCE_TYPES if name in needed]
    results: dict[str, CollectionResult] = {}
    parent_rows: dict[str, list[dict[str, Any]]] = {}
    children_left = {name: sum(name in RESOURCE_TYPES[child].parents for child in order) for name in order}
    running: dict[Future[CollectionResult], str] = {}
    waiting = list(order)
    with bulk_reading(), ThreadPoolExecutor(max_workers=max(1, parallel_types), thread_name_prefix="collect") as pool:
        while waiting or running:
            ready = [n for n in waiting if all(p in results for p in RESOURCE_TYPES[n].parents)]
            for name in ready[: max(0, parallel_types - len(running))]:
                waiting.remove(name)
                rt = RESOURCE_TYPES[name]
                parents = {p: parent_rows[p] for p in rt.parents}
                for parent in rt.parents:
                    children_left[parent] -= 1
                    if not children_left[parent]:
                        del parent_rows[parent]  # the running collections hold what they need
                running[pool.submit(collect, rt, client, parents, (since or {}).get(name),
                                    for_children=children_left[name] > 0)] = name
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                error = future.exception()
                if error is not None:
                    wait(list(running))
                    raise error
                results[name] = future.result()
                if children_left[name]:
                    parent_rows[name] = results[name].parent_rows()
                logger.info("%s: %d rows, %d requests", name, len(results[name].rows), results[name].requests)
    return {name: results[name] for name in order}
