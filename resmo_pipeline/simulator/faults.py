"""Injected faults, deterministic by seed: 500s, 503s, dropped connections, slow answers, expired tokens.

With `fault_rate` R every API request has probability R of getting one fault, drawn from `kinds`. The draws
come from one seeded random stream, so a sequential client sees the same faults on every run.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from resmo_pipeline.simulator.routing import SimResponse, error_response

SERVER_ERROR = "500"
UNAVAILABLE = "503"
DROP = "drop"
SLOW = "slow"
EXPIRE_TOKEN = "expire_token"
FAULT_KINDS: tuple[str, ...] = (SERVER_ERROR, UNAVAILABLE, DROP, SLOW, EXPIRE_TOKEN)


@dataclass
class RequestFaults:
    """The fault chosen for one request; also the `FaultHooks` handed to endpoint code."""

    kind: str | None
    on_expire: Callable[[], None] | None = None  # told when an expiry is actually applied

    def should_expire_token(self) -> bool:
        """True when this request's continuation token is to be answered as expired."""
        if self.kind != EXPIRE_TOKEN:
            return False
        if self.on_expire is not None:
            self.on_expire()
        return True


class FaultInjector:
    """Decides per request whether and which fault happens."""

    def __init__(
        self, rate: float = 0.0, seed: int = 7, kinds: Sequence[str] | None = None, slow_s: float = 1.0,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        chosen = tuple(kinds) if kinds else FAULT_KINDS
        unknown = set(chosen) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {list(FAULT_KINDS)}")
        self.rate = rate
        self.kinds = chosen
        self.slow_s = slow_s
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        """The fault for the next request, or None."""
        if self.rate <= 0.0:
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            return self._random.choice(self.kinds)


def fault_response(kind: str) -> SimResponse:
    """The answer for a 500 or 503 fault, shaped like the service's own."""
    if kind == UNAVAILABLE:
        return error_response(
            503,
            "TF400918: The service is temporarily unavailable. Please try again later.",
            "Microsoft.VisualStudio.Services.WebApi.ServiceUnavailableException, "
            "Microsoft.VisualStudio.Services.WebApi",
            "ServiceUnavailableException",
            event_id=0,
            headers={"Retry-After": "1"},
        )
    return error_response(
        500,
        "VS402371: An unexpected error occurred. Please try again.",
        "System.InvalidOperationException, mscorlib",
        "InvalidOperationException",
        event_id=0,
    )
