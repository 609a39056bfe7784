"""Safe access to the DuckDB warehouse for writers (syncs, history, compliance) and readers (people, tools).

DuckDB allows one writing process per file, and while it holds the file even a read-only connection fails. So
readers never touch the warehouse file itself: after a write transaction commits, the writer checkpoints and
publishes the read copy ``warehouse.read.duckdb`` next to it, a link to one of two generations of which a publish
updates the one no reader holds, copying only the blocks that changed (``read_copy``). A reader opens the current
generation read-only and holds it until it is done, so a publish never disturbs it, and it never sees a
half-written table because the copy is only ever made of committed, checkpointed state.

Copies are debounced: a writer may skip publishing and leave a ``warehouse.read.pending`` marker instead. The
marker is cleared by the next publish, which happens (1) when a later writer's debounce interval has passed, (2)
at the end of every Dagster execution that used the IO manager, (3) when someone calls :func:`publish_read_copy`,
or (4) when a reader finds the marker and the warehouse is not busy. Every publish runs while holding the warehouse
lock, so "marker absent" always means "the copy holds every committed write".
"""

from __future__ import annotations

import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from resmo_pipeline.warehouse import read_copy

log = logging.getLogger(__name__)
T = TypeVar("T")

WRITER_MEMORY_ENV = "RESMO_WAREHOUSE_MEMORY_MB"
#: DuckDB memory a writing connection may use before it spills to ``<warehouse>.tmp``. Without a limit DuckDB
#: takes up to 80 % of RAM: recording the history of 30,000 entitlements held three copies of their JSON at
#: once and lifted a large sync's peak RSS by about 400 MB, with other types being read at the same time.
DEFAULT_WRITER_MEMORY_MB = 128


def writer_memory_megabytes() -> int:
    """The configured limit in MB, from ``RESMO_WAREHOUSE_MEMORY_MB`` (DEFAULT_WRITER_MEMORY_MB by default)."""
    value = os.environ.get(WRITER_MEMORY_ENV, "").strip() or str(DEFAULT_WRITER_MEMORY_MB)
    try:
        megabytes = int(value)
    except ValueError:
        raise ValueError(f"{WRITER_MEMORY_ENV}={value!r} is not a whole number of megabytes; set e.g. "
                         f"{WRITER_MEMORY_ENV}={DEFAULT_WRITER_MEMORY_MB}") from None
    if megabytes < 64:
        raise ValueError(f"{WRITER_MEMORY_ENV}={megabytes} is too small for DuckDB to work; use 64 or more")
    return megabytes


_memory_boost = contextvars.ContextVar("resmo_writer_memory_boost", default=1)


def writer_memory_limit() -> str:
    """DuckDB's ``memory_limit`` for writers: the configured MB, times the boost of :func:`more_writer_memory`."""
    return f"{writer_memory_megabytes() * _memory_boost.get()}MB"


@contextmanager
def more_writer_memory(factor: int) -> Iterator[None]:
    """Writers opened inside get ``factor`` times the configured memory (a retry of a write that ran out)."""
    token = _memory_boost.set(factor)
    try:
        yield
    finally:
        _memory_boost.reset(token)


#: How much more DuckDB memory the one retry of work that ran out of it gets.
OUT_OF_MEMORY_RETRY_FACTOR = 2


def retry_out_of_memory(work: Callable[[], T], warn: Callable[[str], None]) -> T:
    """Run ``work`` (which writes in a transaction of its own); if DuckDB runs out of its writer memory, the
    transaction was rolled back, so run it once more with ``OUT_OF_MEMORY_RETRY_FACTOR`` times the limit. The
    limit keeps a sync's footprint small; work too big for it is done with room to spare rather than failing."""
    try:
        return work()
    except duckdb.OutOfMemoryException as error:
        warn(
            f"DuckDB ran out of its writer memory ({error}); trying once more with {OUT_OF_MEMORY_RETRY_FACTOR} "
            f"times the limit (raise {WRITER_MEMORY_ENV} to avoid this)."
        )
        with more_writer_memory(OUT_OF_MEMORY_RETRY_FACTOR):
            return work()


READ_COPY_SUFFIX = ".read.duckdb"
PENDING_SUFFIX = ".read.pending"
DEFAULT_LOCK_TIMEOUT_S = 120.0
# Readers see the copy as this catalog (the default one, so `azure_devops.repositories` just works).
READ_CATALOG = "warehouse"
# How long a reader waits for the very first copy when a sync is creating the warehouse right now.
DEFAULT_READ_TIMEOUT_S = 10.0

# One writer at a time per warehouse inside this process too: DuckDB shares one database instance between the
# connections of a process, and a publish must not copy the file while another thread is writing to it.
_process_locks: dict[str, threading.RLock] = {}
_process_locks_guard = threading.Lock()


class WarehouseError(RuntimeError):
    """A problem opening the warehouse, explained for the person who hit it."""


class WarehouseNotFoundError(WarehouseError):
    """The warehouse file does not exist yet (nothing was ever synced)."""


class WarehouseLockedError(WarehouseError):
    """Another process kept the warehouse locked for longer than we were willing to wait."""


def read_copy_path(path: str | os.PathLike[str]) -> Path:
    """Where readers find the published copy of the warehouse at ``path`` (``warehouse.read.duckdb``)."""
    path = Path(path)
    return path.with_name(path.stem + READ_COPY_SUFFIX)


def _pending_path(path: Path) -> Path:
    return path.with_name(path.stem + PENDING_SUFFIX)


def _process_lock(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _process_locks_guard:
        return _process_locks.setdefault(key, threading.RLock())


def _is_lock_conflict(error: duckdb.Error) -> bool:
    return "lock" in str(error).lower()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    try:
        # Timestamps are stored as naive UTC (TIMESTAMP); converting TIMESTAMPTZ input must use UTC too.
        conn.execute("SET TimeZone = 'UTC'")
    except BaseException:
        conn.close()
        raise
    return conn


def open_warehouse(
    path: str | os.PathLike[str], *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write, waiting with backoff while another process holds its lock.

    The caller must close the connection (prefer :func:`write_connection`). Raises
    :class:`WarehouseLockedError` naming the lock holder after ``lock_timeout_s``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    limit = writer_memory_limit()
    while True:
        try:
            conn = _connect(path)
        except duckdb.IOException as error:
            if not _is_lock_conflict(error):
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WarehouseLockedError(
                    f"The warehouse {path} stayed locked by another process for {lock_timeout_s:.0f} s, so "
                    f"nothing was written. DuckDB allows one writing process at a time: wait for the running "
                    f"sync to finish, and make sure no tool keeps the warehouse file itself open (people and "
                    f"tools should read {read_copy_path(path).name} instead). DuckDB said: {error}"
                ) from error
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 2.0)
            continue
        try:
            conn.execute(f"SET memory_limit = '{limit}'")
        except BaseException:
            conn.close()
            raise
        return conn


def _publish(conn: duckdb.DuckDBPyConnection, path: Path) -> read_copy.Published:
    """Bring the read copy up to the committed state, copying only the blocks that changed (``read_copy``); the
    caller holds the warehouse open (and so its lock)."""
    conn.execute("CHECKPOINT")
    (block_size,) = conn.execute(
        "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchone()
    published = read_copy.publish(path, read_copy_path(path), int(block_size))
    _pending_path(path).unlink(missing_ok=True)
    log.debug("Published %s: %d of %d bytes copied", published.path.name, published.copied_bytes,
              published.file_bytes)
    return published


def _after_commit(conn: duckdb.DuckDBPyConnection, path: Path, publish_after_s: float | None) -> None:
    """Publish the read copy now, or leave the pending marker for a later publish (debounce)."""
    target = read_copy_path(path)
    due = publish_after_s is not None and (
        not target.exists() or time.time() - target.stat().st_mtime >= publish_after_s
    )
    if due:
        try:
            _publish(conn, path)
            return
        except (duckdb.Error, OSError) as error:
            # The write itself succeeded; readers catch up at the next publish.
            log.warning("Could not publish the warehouse read copy (%s); it will be retried.", error)
    _pending_path(path).touch()


@contextmanager
def write_connection(
    path: str | os.PathLike[str],
    *,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    publish_after_s: float | None = 0.0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection inside one transaction on the warehouse: committed when the block ends, rolled back if it raises.

    The file is opened with retry while another process writes (see :func:`open_warehouse`) and always closed.
    After the commit the read copy is published if the last publish is at least ``publish_after_s`` seconds old
    (0 = always, ``None`` = leave it to a later publish).
    """
    path = Path(path)
    with _held_process_lock(path, lock_timeout_s):
        conn = open_warehouse(path, lock_timeout_s=lock_timeout_s)
        try:
            conn.execute("BEGIN TRANSACTION")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise
            _after_commit(conn, path, publish_after_s)
        finally:
            conn.close()


@contextmanager
def _held_process_lock(path: Path, timeout_s: float) -> Iterator[None]:
    lock = _process_lock(path)
    if not lock.acquire(timeout=max(timeout_s, 0)):
        raise WarehouseLockedError(
            f"The warehouse {path} stayed busy with another write of this process for {timeout_s:.0f} s."
        )
    try:
        yield
    finally:
        lock.release()


def _rollback(conn: duckdb.DuckDBPyConnection) -> None:
    try:
        conn.execute("ROLLBACK")
    except duckdb.Error as error:
        # Closing the connection discards the transaction anyway; keep the original exception visible.
        log.warning("Rollback failed (%s); the transaction is discarded when the connection closes.", error)


def has_unpublished_writes(path: str | os.PathLike[str]) -> bool:
    """True when the warehouse holds committed writes that readers cannot see yet."""
    path = Path(path)
    return _pending_path(path).exists() or (path.exists() and not read_copy_path(path).exists())


def publish_read_copy(
    path: str | os.PathLike[str], *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
) -> Path:
    """Publish the read copy now (e.g. at the end of a sync) and return the path readers now open."""
    return publish(path, lock_timeout_s=lock_timeout_s).path


def publish(path: str | os.PathLike[str], *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> read_copy.Published:
    """Publish the read copy now; what was published, and how many bytes it copied."""
    path = Path(path)
    if not path.exists():
        raise WarehouseNotFoundError(_not_found_message(path))
    with _held_process_lock(path, lock_timeout_s):
        conn = open_warehouse(path, lock_timeout_s=lock_timeout_s)
        try:
            return _publish(conn, path)
        finally:
            conn.close()


def _not_found_message(path: Path) -> str:
    return (
        f"There is no warehouse at {path} yet. Run `resmo-pipeline sync` (or `make demo` to try it on the "
        f"simulated organization) to create it."
    )


def _try_publish(path: Path) -> bool:
    """Publish if the warehouse is free right now; never wait for a running writer."""
    try:
        publish_read_copy(path, lock_timeout_s=0)
    except WarehouseLockedError:
        return False
    except (duckdb.Error, OSError) as error:
        # E.g. a transaction of this very thread is open on the warehouse: read the last copy instead.
        log.warning("Could not publish the warehouse read copy before reading (%s).", error)
        return False
    return True


@contextmanager
def read_connection(
    path: str | os.PathLike[str], *, timeout_s: float = DEFAULT_READ_TIMEOUT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for people and tools that never blocks or breaks a running sync.

    It reads the published copy, i.e. the warehouse as of the last publish (at most a debounce interval behind a
    running sync; fully current when nothing is writing, because unpublished writes are published first when the
    warehouse is free). Raises :class:`WarehouseNotFoundError` when nothing was ever synced.
    """
    path = Path(path)
    target = read_copy_path(path)
    if has_unpublished_writes(path):
        _try_publish(path)
    deadline = time.monotonic() + timeout_s
    while not target.exists():
        if not path.exists():
            raise WarehouseNotFoundError(_not_found_message(path))
        if time.monotonic() >= deadline:
            raise WarehouseLockedError(
                f"The warehouse {path} is being written for the first time and has no read copy yet; "
                f"try again when the running sync has finished."
            )
        time.sleep(0.2)
        _try_publish(path)
    with read_copy.held_generation(target) as generation:
        conn = _attach_read_copy(generation)
        try:
            yield conn
        finally:
            conn.close()


def _attach_read_copy(target: Path) -> duckdb.DuckDBPyConnection:
    # An in-memory connection is a database instance of its own. Connecting to the copy's path directly would
    # reuse a cached instance while any connection to it is open in this process, i.e. an old copy forever.
    conn = duckdb.connect(":memory:")
    try:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute(f"ATTACH '{_sql_string(str(target))}' AS {READ_CATALOG} (READ_ONLY)")
        conn.execute(f"USE {READ_CATALOG}")
    except BaseException:
        conn.close()
        raise
    return conn


def _sql_string(value: str) -> str:
    return value.replace("'", "''")
