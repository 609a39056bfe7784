"""Progress of a sync, one line per resource type, for people watching ``resmo-pipeline sync``.

Each inventory asset publishes a :class:`TypeProgress` when it finishes. The sync command runs the job in its
own process (in-process executor), so it subscribes with :func:`listening` and prints lines such as
``[ 7/34] repositories ... 120 rows, 4 requests, 0.8 s``. In runs launched from the UI nobody listens and the
same figures go to the run's log only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class TypeProgress:
    """What one resource type's collection did for one organization."""

    organization: str
    resource_type: str
    status: str  # "collected" | "not_collected" | "unavailable" | "failed"
    rows: int = 0
    requests: int = 0
    seconds: float = 0.0
    detail: str = ""  # the missing PAT scope, why the type is unavailable, or the error
    skipped: tuple[str, ...] = ()  # projects left out of a per-project read, each with why


Listener = Callable[[TypeProgress], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def publish(event: TypeProgress) -> None:
    """Tell every current listener that a resource type finished (no-op when nobody listens)."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(event)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Receive every :class:`TypeProgress` published in this process while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def describe(event: TypeProgress) -> str:
    """The figures of one finished type, e.g. ``120 rows, 4 requests, 0.8 s``."""
    if event.status == "collected":
        skipped = f", {len(event.skipped)} project(s) skipped" if event.skipped else ""
        return f"{event.rows} rows, {event.requests} requests, {event.seconds:.1f} s{skipped}"
    if event.status == "unavailable":
        return f"unavailable: {event.detail or '(no reason given)'}"
    if event.status == "not_collected":
        return f"not collected: missing PAT scope {event.detail or '(unknown)'}"
    return f"FAILED: {event.detail}"


class ProgressPrinter:
    """A listener that prints ``[ n/total] type ... figures`` lines through ``printer``."""

    def __init__(self, total: int, printer: Callable[[str], None] = print) -> None:
        self.total = total
        self.printer = printer
        self.done = 0
        self._lock = threading.Lock()

    def __call__(self, event: TypeProgress) -> None:
        with self._lock:
            self.done += 1
            width = len(str(self.total))
            self.printer(f"[{self.done:>{width}}/{self.total}] {event.resource_type} ... {describe(event)}")
