"""What reading an organization cost: requests, retries, throttling and bytes, overall and per endpoint.

Assets report these figures so people can see which resource types are expensive and when the service
throttled a sync. Thread-safe: the client's pool updates one `ClientStats` from many threads.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class EndpointStats:
    """Cost of one endpoint (keyed by its path template, e.g. `{project}/_apis/git/repositories`)."""

    requests: int = 0
    retries: int = 0
    errors: int = 0
    throttled_s: float = 0.0
    bytes: int = 0
    totals_mismatches: int = 0
    request_s: float = 0.0  # time spent waiting for answers (sum over requests, so parallel calls add up)


@dataclass(frozen=True)
class TotalsMismatch:
    """A listing whose body reported a total (`count` or `totalCount`) that differs from the rows read."""

    endpoint: str
    reported: int
    read: int
    url: str


@dataclass
class ClientStats:
    """Running totals for one client; `as_dict()` gives a JSON-able snapshot."""

    requests: int = 0
    retries: int = 0
    errors: int = 0
    throttled_s: float = 0.0
    bytes: int = 0
    request_s: float = 0.0
    per_endpoint: dict[str, EndpointStats] = field(default_factory=dict)
    totals_mismatches: list[TotalsMismatch] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _endpoint(self, endpoint: str) -> EndpointStats:
        stats = self.per_endpoint.get(endpoint)
        if stats is None:
            stats = self.per_endpoint[endpoint] = EndpointStats()
        return stats

    def record_request(self, endpoint: str, nbytes: int, seconds: float, *, failed: bool = False) -> None:
        """One HTTP exchange (a retry counts as a request too); `failed` = it will be retried or raised."""
        with self._lock:
            per = self._endpoint(endpoint)
            self.requests += 1
            per.requests += 1
            self.bytes += nbytes
            per.bytes += nbytes
            self.request_s += seconds
            per.request_s += seconds
            if failed:
                self.errors += 1
                per.errors += 1

    def record_retry(self, endpoint: str) -> None:
        """A request is being sent again after a transient failure."""
        with self._lock:
            self.retries += 1
            self._endpoint(endpoint).retries += 1

    def record_throttled(self, endpoint: str, seconds: float) -> None:
        """Seconds lost to rate limiting: waits for Retry-After, proactive slow-downs, server-side delays."""
        if seconds <= 0:
            return
        with self._lock:
            self.throttled_s += seconds
            self._endpoint(endpoint).throttled_s += seconds

    def record_totals_mismatch(self, mismatch: TotalsMismatch) -> None:
        """A listing's reported total disagreed with the rows read."""
        with self._lock:
            self.totals_mismatches.append(mismatch)
            self._endpoint(mismatch.endpoint).totals_mismatches += 1

    def as_dict(self) -> dict[str, Any]:
        """A consistent JSON-able snapshot of every figure."""
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "errors": self.errors,
                "throttled_s": round(self.throttled_s, 3),
                "bytes": self.bytes,
                "request_s": round(self.request_s, 3),
                "totals_mismatches": [asdict(m) for m in self.totals_mismatches],
                "per_endpoint": {
                    name: {**asdict(stats), "throttled_s": round(stats.throttled_s, 3),
                           "request_s": round(stats.request_s, 3)}
                    for name, stats in sorted(self.per_endpoint.items())
                },
            }
