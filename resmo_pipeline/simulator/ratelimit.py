"""Azure DevOps global consumption limits: a TSTU budget per identity over a sliding window.

Like the service (reference §4): once an identity's usage passes a warning fraction of the limit, responses
carry X-RateLimit-Resource/Limit/Remaining/Reset; past the limit requests are delayed (really slept, with
X-RateLimit-Delay and Retry-After); past the block threshold they are refused with 429 + Retry-After and the
TF400733 body.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from resmo_pipeline.simulator.routing import SimResponse, error_response

RESOURCE_NAME = "ATCPU"
NAMESPACE_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class RateLimitConfig:
    """How strict the simulated limits are. The defaults are the service's: 200 TSTU per 5 minutes.

    limit: TSTUs an identity may use in `window_s` before delays start.
    warning_fraction: share of `limit` after which the X-RateLimit-* headers appear.
    block_factor: usage above limit * block_factor is refused with 429.
    delay_per_tstu_s: seconds of delay per TSTU of usage above the limit (capped at `max_delay_s`).
    cost: if set, the TSTU cost of every request instead of each route's own `tstu_cost`.
    """

    limit: float = 200.0
    window_s: float = 300.0
    warning_fraction: float = 0.8
    block_factor: float = 1.5
    delay_per_tstu_s: float = 0.5
    max_delay_s: float = 30.0
    cost: float | None = None

    @classmethod
    def from_value(cls, value: RateLimitConfig | Mapping[str, Any] | None) -> RateLimitConfig:
        """A config from an instance, a dict of overrides (unknown keys refused) or None (defaults)."""
        if isinstance(value, RateLimitConfig):
            return value
        overrides = dict(value or {})
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown rate limit settings: {sorted(unknown)}")
        return cls(**overrides)


@dataclass(frozen=True)
class Decision:
    """What the limiter decided for one request: headers to add, seconds to delay, or a 429."""

    headers: dict[str, str]
    delay_s: float = 0.0
    blocked: SimResponse | None = None


@dataclass
class RateLimiter:
    """Per-identity sliding-window TSTU accounting. Thread-safe; never sleeps while holding its lock."""

    config: RateLimitConfig = field(default_factory=RateLimitConfig)
    _usage: dict[str, deque[tuple[float, float]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, identity_id: str, route_cost: float, now: float | None = None) -> Decision:
        """Charge one request of `identity_id` and decide how it is treated."""
        config = self.config
        cost = config.cost if config.cost is not None else route_cost
        now = time.time() if now is None else now
        with self._lock:
            events = self._usage.setdefault(identity_id, deque())
            while events and events[0][0] <= now - config.window_s:
                events.popleft()
            used = sum(amount for _, amount in events)
            if used + cost > config.limit * config.block_factor:
                retry_after = self._seconds_until_below(events, config.limit, now)
                return Decision(headers={}, blocked=self._blocked(retry_after, events, now))
            events.append((now, cost))
            used += cost
        headers: dict[str, str] = {}
        if used <= config.limit * config.warning_fraction:
            return Decision(headers=headers)
        headers.update(
            {
                "X-RateLimit-Resource": RESOURCE_NAME,
                "X-RateLimit-Limit": _number(config.limit),
                "X-RateLimit-Remaining": _number(max(0.0, config.limit - used)),
                "X-RateLimit-Reset": str(math.ceil(now + config.window_s)),
            }
        )
        if used <= config.limit:
            return Decision(headers=headers)
        delay = min(config.max_delay_s, (used - config.limit) * config.delay_per_tstu_s)
        headers["X-RateLimit-Delay"] = f"{delay:.3f}"
        headers["Retry-After"] = str(max(1, math.ceil(delay)))
        return Decision(headers=headers, delay_s=delay)

    def _seconds_until_below(self, events: deque[tuple[float, float]], level: float, now: float) -> float:
        """Seconds until the window's usage falls to `level` if the identity stops now."""
        remaining = sum(amount for _, amount in events)
        for stamp, amount in events:
            if remaining <= level:
                break
            remaining -= amount
            wait = stamp + self.config.window_s - now
            if remaining <= level:
                return max(wait, 0.0)
        return 0.0

    def _blocked(self, retry_after: float, events: deque[tuple[float, float]], now: float) -> SimResponse:
        reset = (events[-1][0] if events else now) + self.config.window_s
        return error_response(
            429,
            "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource "
            f"'{RESOURCE_NAME}' in namespace '{NAMESPACE_ID}'.",
            "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, "
            "Microsoft.TeamFoundation.Framework.Server",
            "RequestBlockedException",
            headers={
                "Retry-After": str(max(1, math.ceil(retry_after))),
                "X-RateLimit-Resource": RESOURCE_NAME,
                "X-RateLimit-Limit": _number(self.config.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(math.ceil(reset)),
            },
        )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
