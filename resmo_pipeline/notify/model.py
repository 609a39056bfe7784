"""What a notification is about: events people subscribe to, and the messages channels deliver."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Event kinds a subscription can ask for.
EVENT_KINDS = ("new_finding", "regression", "resolved", "suppression_expired", "change")


@dataclass(frozen=True)
class NotificationEvent:
    """One thing that happened: a finding opened, reopened, resolved or lost its suppression, or a resource changed.

    `event_id` is stable across restarts (it comes from the warehouse), so delivering an event twice to the same
    channel for the same subscription can be refused.
    """

    event_id: str
    kind: str
    organization: str
    occurred_at: datetime
    resource_type: str
    resource_id: str
    resource_name: str
    summary: str
    severity: str | None = None
    rule_id: str | None = None
    changed_fields: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able form, used by the webhook body and the log channel."""
        return {
            "event_id": self.event_id,
            "kind": self.kind,
            "organization": self.organization,
            "occurred_at": self.occurred_at.isoformat(),
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "resource_name": self.resource_name,
            "summary": self.summary,
            "severity": self.severity,
            "rule_id": self.rule_id,
            "changed_fields": list(self.changed_fields),
            "details": self.details,
        }


@dataclass(frozen=True)
class Message:
    """What one channel sends once: a single event, or a digest of several for one organization."""

    organization: str
    subscription: str
    events: tuple[NotificationEvent, ...]
    omitted: int = 0  # events of a long digest not listed in it (still counted in its title)

    @property
    def delivery_id(self) -> str:
        """The same id every time these events are sent for this subscription (a retry, or a resend after a
        crash between sending and recording): receivers drop a message whose id they have seen."""
        ids = "\n".join(sorted(event.event_id for event in self.events))
        return hashlib.sha256(f"{self.subscription}\n{ids}".encode()).hexdigest()[:32]

    @property
    def is_digest(self) -> bool:
        """True when several events are grouped into one message."""
        return len(self.events) + self.omitted > 1

    @property
    def title(self) -> str:
        """A one-line headline for chat messages and email subjects."""
        if not self.is_digest:
            event = self.events[0]
            return f"[{self.organization}] {_KIND_LABELS[event.kind]}: {event.summary}"
        counts: dict[str, int] = {}
        for event in self.events:
            counts[event.kind] = counts.get(event.kind, 0) + 1
        parts = ", ".join(f"{n} {_KIND_LABELS[kind].lower()}" for kind, n in sorted(counts.items()))
        if self.omitted:
            parts += f", {self.omitted} more"
        return f"[{self.organization}] {len(self.events) + self.omitted} events: {parts}"

    def lines(self) -> list[str]:
        """One human-readable line per event."""
        out = []
        for event in self.events:
            severity = f"[{event.severity}] " if event.severity else ""
            out.append(f"{_KIND_LABELS[event.kind]}: {severity}{event.summary}")
        if self.omitted:
            out.append(f"... and {self.omitted} more (every event is listed in meta.notifications)")
        return out


_KIND_LABELS = {
    "new_finding": "New finding",
    "regression": "Regression",
    "resolved": "Resolved",
    "suppression_expired": "Suppression expired",
    "change": "Change",
}
