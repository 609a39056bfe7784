"""What the simulator served: requests and bytes per route, throttling and injected faults.

Benchmarks read it (`GET /_simulator/stats`) to count what a client cost the service.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any


class Accounting:
    """Thread-safe counters, reset with `reset()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._lock:
            self._routes: dict[str, Counter[str]] = defaultdict(Counter)
            self._statuses: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._throttled: Counter[str] = Counter()
            self._delay_s = 0.0
            self._requests = 0
            self._bytes_in = 0
            self._bytes_out = 0

    def record(self, route_key: str, status: int, bytes_in: int, bytes_out: int) -> None:
        """One answered (or dropped, status 0) request."""
        with self._lock:
            self._requests += 1
            self._bytes_in += bytes_in
            self._bytes_out += bytes_out
            self._statuses[str(status)] += 1
            counters = self._routes[route_key]
            counters["requests"] += 1
            counters["bytes"] += bytes_out
            if status >= 400 or status == 0:
                counters["errors"] += 1

    def fault(self, kind: str) -> None:
        """One injected fault of `kind`."""
        with self._lock:
            self._faults[kind] += 1

    def throttled(self, delayed_s: float = 0.0, blocked: bool = False) -> None:
        """One delayed (by `delayed_s`) or blocked request."""
        with self._lock:
            if blocked:
                self._throttled["blocked"] += 1
            else:
                self._throttled["delayed"] += 1
                self._delay_s += delayed_s

    def snapshot(self) -> dict[str, Any]:
        """Everything counted, as JSON-able data."""
        with self._lock:
            return {
                "requests": self._requests,
                "bytes_in": self._bytes_in,
                "bytes_out": self._bytes_out,
                "statuses": dict(self._statuses),
                "routes": {key: dict(counter) for key, counter in sorted(self._routes.items())},
                "throttled": {
                    "delayed": self._throttled["delayed"],
                    "blocked": self._throttled["blocked"],
                    "delay_s": round(self._delay_s, 3),
                },
                "faults": dict(self._faults),
            }
