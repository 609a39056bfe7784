"""Reading a run's resource types ahead of Dagster, so the API is busy while earlier types are written.

The in-process executor runs one step at a time. Left alone, a run would read type after type, each waiting
for the previous one's warehouse write. A :class:`RunCollection` starts when a run's first inventory step
does: it reads every type the run selected in the background, parents before children and several independent
types at once (like ``collect_all``), with the parents' rows handed over in memory. Each asset step then only
takes its type's result (waiting if it is not read yet) and writes it, so reading and writing overlap.

Memory stays bounded as organizations grow: the background reads stop starting new types while the results
read but not yet taken by their steps hold more than a budget (``RESMO_READ_AHEAD_MB``, 192 MB by default), so
rows are written as their types finish instead of piling up for the whole sync. The type a step is waiting for
is always read (in the step's own thread when no background read has started it), so the budget never stalls
a run. The assets carry Dagster step priorities in catalog order, so the executor takes types in the order
they are read.

Parents outside the run's selection come from the warehouse, read once when the collection starts (before the
run writes anything). A parent refused by the service (missing PAT scope) falls back to its stored rows too.
A type the run scopes (see ``inventory.scope``) re-reads only the named resources and is merged with its stored
rows, so what it hands on (to the IO manager and to child types) is still the whole table.

A run asked to stop (``resmo-pipeline sync`` on Ctrl-C, see :func:`request_stop`; or its collection
cancelled) starts no further reads, and the reads under way stop at their next request: each raises
:class:`ReadCancelled`, so no type read only in part is ever handed to a step.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import logging
import os
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar, cast

import pandas as pd

from resmo_pipeline.azure_devops import AzureDevOpsClient, PermissionDeniedError, UnavailableError
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.catalog.model import ResourceType
from resmo_pipeline.inventory import scope as refresh_scope
from resmo_pipeline.inventory.collect import CollectionResult, bulk_reading, collect
from resmo_pipeline.inventory.rows import parent_rows_from_frame

logger = logging.getLogger(__name__)

ParentRows = dict[str, list[dict[str, Any]]]
READ_AHEAD_ENV = "RESMO_READ_AHEAD_MB"
#: Results read ahead and not yet taken by their steps may hold this much before no new type is started. About
#: 10 % of the large preset's rows; more buys no speed there (the reads stay ahead of the writes) and costs RSS.
DEFAULT_READ_AHEAD_MB = 192


def read_ahead_budget_bytes() -> int:
    """The read-ahead budget in bytes (``RESMO_READ_AHEAD_MB``; 0 reads a type only when its step asks)."""
    value = os.environ.get(READ_AHEAD_ENV, "").strip()
    if not value:
        return DEFAULT_READ_AHEAD_MB * 2**20
    try:
        megabytes = float(value)
    except ValueError:
        raise ValueError(f"{READ_AHEAD_ENV}={value!r} is not a number of megabytes; set e.g. "
                         f"{READ_AHEAD_ENV}={DEFAULT_READ_AHEAD_MB}") from None
    return max(0, int(megabytes * 2**20))


def frame_bytes(result: CollectionResult) -> int:
    """What a read result holds in memory (its rows, text included), as pandas counts it."""
    return int(result.rows.memory_usage(deep=True, index=True).sum())


_M_ARENA_MAX = -8  # glibc's mallopt parameter number


@functools.cache
def _glibc() -> Any:
    """The C library when it is glibc (mallopt, malloc_trim), else None (musl, macOS: nothing to tune)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc if libc is not None and libc.mallopt and libc.malloc_trim else None
    except (OSError, AttributeError):
        return None


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Let the reading threads share a few glibc malloc arenas instead of one each (glibc allows 8 per core).

    Each arena keeps the memory its thread freed; with 16 request threads and 4 type threads that retained
    memory added about 100 MB to the large sync's peak RSS. Threads mostly hold the GIL while they allocate, so
    sharing arenas costs no measurable speed. No-op where malloc is not glibc's.
    """
    if libc := _glibc():
        libc.mallopt(_M_ARENA_MAX, arenas)


def release_free_memory() -> None:
    """Hand memory freed by written types back to the system (glibc keeps freed heap pages otherwise, and the
    peak RSS of a sync would be the sum of its biggest types instead of the biggest one)."""
    if libc := _glibc():
        libc.malloc_trim(0)


class ReadCancelled(Exception):
    """The run stopped before this type was read whole: nothing of it is handed on."""


_stop_lock = threading.Lock()
_stop = threading.Event()
_live: weakref.WeakSet[RunCollection] = weakref.WeakSet()


def request_stop() -> None:
    """Stop the reads of every run in this process, and of runs that start until :func:`clear_stop`."""
    with _stop_lock:
        _stop.set()
        collections = list(_live)
    for collection in collections:
        collection.cancel()


def stop_requested() -> bool:
    """Whether :func:`request_stop` was called (and not cleared since)."""
    return _stop.is_set()


def clear_stop() -> None:
    """Let runs read again (the caller that asked to stop is done)."""
    _stop.clear()


T = TypeVar("T")
R = TypeVar("R")


class _StoppableClient:
    """The run's client as its reads use it: once the run is cancelled, every call raises ReadCancelled
    instead of sending, so a read stops after the requests already in flight (not after its remaining ones)."""

    def __init__(self, client: AzureDevOpsClient, cancelled: threading.Event) -> None:
        self._client = client
        self._cancelled = cancelled

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _check(self) -> None:
        if self._cancelled.is_set():
            raise ReadCancelled("the run was stopped")

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return self._client.get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return self._client.post(*args, **kwargs)

    def list(self, *args: Any, **kwargs: Any) -> list[Any]:
        self._check()
        return self._client.list(*args, **kwargs)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        def call(item: T) -> R:
            self._check()
            return fn(item)

        self._check()
        return self._client.map(call, items)


#: Reads a type's stored rows for the organization (from the warehouse; empty when never collected).
StoredFrame = Callable[[str], pd.DataFrame]


def incremental_column(resource_type: ResourceType) -> str | None:
    """The table column an incremental type resumes from (the one read from its ``since_field``)."""
    if not resource_type.since_field:
        return None
    for column in resource_type.columns:
        if resource_type.since_field in (column.path, column.name):
            return column.name
    return None


class RunCollection:
    """The background reads of one run for one organization."""

    def __init__(
        self,
        client: AzureDevOpsClient,
        types: Collection[str],
        stored_frame: StoredFrame,
        since: Mapping[str, datetime | None],
        parallel_types: int = 4,
        scopes: refresh_scope.Scopes | None = None,
        read_ahead_bytes: int | None = None,
    ) -> None:
        self._cancelled = threading.Event()
        self.client = cast(AzureDevOpsClient, _StoppableClient(client, self._cancelled))
        self.types = [name for name in RESOURCE_TYPES if name in types]
        self.scopes = dict(scopes or {})
        self._read_stored = stored_frame
        self._stored: dict[str, list[dict[str, Any]]] = {}
        self._stored_lock = threading.Lock()
        self._since = dict(since)
        # How many types of this run still have to read each parent's rows; at zero the rows are let go.
        self._readers_left = Counter(
            parent for name in self.types for parent in RESOURCE_TYPES[name].parents if parent in self.types
        )
        self._readers_lock = threading.Lock()
        self._settings = contextlib.ExitStack()  # closed in close(), when the run ends
        self._settings.enter_context(bulk_reading())
        limit_malloc_arenas()
        self._pool = ThreadPoolExecutor(max_workers=max(1, parallel_types), thread_name_prefix="resmo-collect")
        self._parent_rows: dict[str, Future[list[dict[str, Any]] | None]] = {}
        self._refused: dict[str, str] = {}  # type -> the PAT scope the service said it needs
        self._unavailable: dict[str, str] = {}  # type -> why it is not offered here
        self._results: dict[str, Future[CollectionResult]] = {}
        self._budget = read_ahead_budget_bytes() if read_ahead_bytes is None else read_ahead_bytes
        self._gate = threading.Condition()
        self._held: dict[str, int] = {}  # type -> bytes of its result, read and not taken yet
        self._wanted: set[str] = set()  # types a step is waiting for: never held back
        self._closing = False
        #: The most the untaken results held at once (bytes), for tests and the benchmark.
        self.peak_held_bytes = 0
        with _stop_lock:
            _live.add(self)
            if _stop.is_set():
                self._cancelled.set()
                self._closing = True
        # Catalog order is dependency order and the pool takes work first in, first out, so a type only ever
        # waits for parents that are already running or done: no deadlock with a bounded pool.
        for name in self.types if not self._closing else ():
            rows: Future[list[dict[str, Any]] | None] = Future()
            self._parent_rows[name] = rows
            self._results[name] = self._pool.submit(self._read_ahead, RESOURCE_TYPES[name], rows)

    def since(self, name: str) -> datetime | None:
        """Where an incremental type resumes (the newest stored timestamp when the run started)."""
        return self._since.get(name)

    def parent_rows(self, resource_type: ResourceType) -> ParentRows:
        """Rows of each parent: this run's when it read them, else the warehouse's (stored last)."""
        rows: ParentRows = {}
        for parent in resource_type.parents:
            fresh = self._parent_rows[parent].result() if parent in self._parent_rows else None
            rows[parent] = fresh if fresh is not None else self._stored_rows(parent)
            if parent in self._refused and not rows[parent]:
                # Nothing to fan out over: without this the type would look collected, with no rows.
                raise PermissionDeniedError(
                    f"{resource_type.name} is read per {parent} row, and {parent} was not collected",
                    required_scope=self._refused[parent],
                )
            if parent in self._unavailable and not rows[parent]:
                raise UnavailableError("parent unavailable", reason=f"read per {parent} row, and {parent} is "
                                       f"unavailable: {self._unavailable[parent]}")
        return rows

    def _stored_rows(self, parent: str) -> list[dict[str, Any]]:
        # Only parents this run does not write (not selected, or refused) are read, so the stored rows are
        # the same whenever they are read.
        with self._stored_lock:
            if parent not in self._stored:
                self._stored[parent] = parent_rows_from_frame(self._read_stored(parent))
            return self._stored[parent]

    def read(self, resource_type: ResourceType) -> CollectionResult:
        """Read one type now (whole, or only its scoped resources merged into its stored rows)."""
        if self._cancelled.is_set():
            raise ReadCancelled(f"{resource_type.name}: the run was stopped before it was read")
        parents = self.parent_rows(resource_type)
        since = self.since(resource_type.name)
        for_children = self._readers_left[resource_type.name] > 0
        selectors = self.scopes.get(resource_type.name)
        if selectors:
            # Read before this run writes the type, so these are the rows the partial re-read completes.
            stored = self._read_stored(resource_type.name)
            if not stored.empty:
                only = refresh_scope.call_filter(selectors)
                result = collect(resource_type, self.client, parents, since=since, only=only,
                                 for_children=for_children)
                result.rows = refresh_scope.merge(resource_type, stored, result.rows, selectors)
                result.partial = len(selectors)
                return result
        return collect(resource_type, self.client, parents, since=since, for_children=for_children)

    def _admit(self, name: str) -> bool:
        """Wait until the type may start reading in the background; False when the run is closing."""
        with self._gate:
            while not self._closing and name not in self._wanted and self._held and (
                sum(self._held.values()) >= self._budget
            ):
                self._gate.wait(timeout=1.0)
            return not self._closing

    def _read_ahead(
        self, resource_type: ResourceType, rows: Future[list[dict[str, Any]] | None]
    ) -> CollectionResult:
        if not self._admit(resource_type.name):
            rows.set_result(None)
            raise ReadCancelled(f"{resource_type.name}: the run ended before it was read")
        result = self._read(resource_type, rows)
        with self._gate:
            if resource_type.name not in self._wanted:
                self._held[resource_type.name] = frame_bytes(result)
                self.peak_held_bytes = max(self.peak_held_bytes, sum(self._held.values()))
        return result

    def _read(
        self, resource_type: ResourceType, rows: Future[list[dict[str, Any]] | None]
    ) -> CollectionResult:
        try:
            result = self.read(resource_type)
        except PermissionDeniedError as error:
            self._refused[resource_type.name] = error.required_scope or resource_type.required_scope
            rows.set_result(None)
            raise
        except UnavailableError as error:
            self._unavailable[resource_type.name] = error.reason
            rows.set_result(None)
            raise
        except BaseException:
            rows.set_result(None)
            raise
        finally:
            self._done_reading_parents(resource_type)
            # A read leaves its JSON answers freed across the malloc arenas of the client's threads.
            release_free_memory()
        if self._cancelled.is_set():
            # Cancelled while reading: its requests may have stopped part way.
            rows.set_result(None)
            raise ReadCancelled(f"{resource_type.name}: the run was stopped while it was read")
        rows.set_result(result.parent_rows() if self._readers_left[resource_type.name] else None)
        return result

    def _done_reading_parents(self, resource_type: ResourceType) -> None:
        with self._readers_lock:
            for parent in resource_type.parents:
                if self._readers_left[parent] == 1:
                    # Later readers (a step's retry) fall back to the warehouse, which has them by then.
                    released: Future[list[dict[str, Any]] | None] = Future()
                    released.set_result(None)
                    self._parent_rows[parent] = released
                self._readers_left[parent] -= 1

    def take(self, name: str) -> CollectionResult:
        """The type's result (waiting for it); raises what reading it raised. Each type is taken once.

        A type the read-ahead has not started (held back by the memory budget) is read here, now."""
        future = self._results.pop(name)
        if self._cancelled.is_set():
            raise ReadCancelled(f"{name}: the run was stopped before its step took it")
        release_free_memory()  # what the previous steps wrote and let go
        with self._gate:
            self._wanted.add(name)
            self._gate.notify_all()
        try:
            if future.cancel():
                return self._read(RESOURCE_TYPES[name], self._parent_rows[name])
            return future.result()
        finally:
            with self._gate:
                self._held.pop(name, None)
                self._gate.notify_all()

    def has(self, name: str) -> bool:
        """Whether the type is read in the background and not taken yet."""
        return name in self._results

    @property
    def cancelled(self) -> bool:
        """Whether the run's reads were stopped (:meth:`cancel`, :func:`request_stop`)."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Stop the run's reads now: types not started are dropped, the ones under way end at their next
        request, and every step that takes a type from now on gets ReadCancelled."""
        self._cancelled.set()
        with self._gate:
            self._closing = True
            self._gate.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop reading (types not started are dropped) and free the memory."""
        with self._gate:
            self._closing = True
            self._gate.notify_all()
        # A cancelled run does not wait for its last requests in flight (they end on their own).
        self._pool.shutdown(wait=not self._cancelled.is_set(), cancel_futures=True)
        self._held.clear()
        self._results.clear()
        self._parent_rows.clear()
        self._settings.close()
