"""Alerts: PagerDuty Events API v2 and Opsgenie, triggered when a finding opens, resolved when it is fixed.

Both deduplicate by a key derived from the finding (`resmo-<finding hash>`): PagerDuty's `dedup_key`,
Opsgenie's `alias`. A repeated trigger while the alert is open adds nothing, a resolve closes it, so a
repeated event (a resend after a crash) is harmless and no state is kept in meta.ticket_links. By default only
high and critical findings alert (`min_severity`).

Secrets: PagerDuty's integration (routing) key from `routing_key_env`, Opsgenie's API key from `api_key_env`,
both read at send time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from resmo_pipeline.notify.channels import read_secret
from resmo_pipeline.notify.model import NotificationEvent
from resmo_pipeline.notify.tickets.base import (
    OPENING_KINDS,
    TicketChannel,
    TicketLink,
    call,
    check_severity,
    facts,
    finding_hash,
    iso_utc,
    safe_link,
    title_of,
)

#: Our severities as PagerDuty's.
PAGERDUTY_SEVERITY = {"critical": "critical", "high": "error", "medium": "warning", "low": "info"}
#: Our severities as Opsgenie priorities.
OPSGENIE_PRIORITY = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4"}
TEST_KEY = "resmo-pipeline-test"


def alert_key(event: NotificationEvent) -> str:
    """The dedup key / alias of the finding's alert."""
    return f"resmo-{finding_hash(event)}"


def _test_event() -> NotificationEvent:
    return NotificationEvent(
        event_id="test", kind="new_finding", organization="resmo-pipeline", occurred_at=datetime.now(UTC),
        resource_type="notification_channel", resource_id="test", resource_name="test", severity="low",
        rule_id="resmo.test", summary="test alert from resmo-pipeline: this channel works (resolved at once)",
        details={"message": "test alert from resmo-pipeline: this channel works (resolved at once)"},
    )


@dataclass
class PagerDutyChannel(TicketChannel):
    """PagerDuty Events API v2 (`base_url`, default https://events.pagerduty.com)."""

    name: str
    routing_key_env: str
    base_url: str = "https://events.pagerduty.com"
    min_severity: str | None = "high"
    source: str | None = None  # default: the organization's Azure DevOps address
    component: str | None = None
    group: str | None = None
    timeout_s: float = 15.0

    system = "pagerduty"

    def __post_init__(self) -> None:
        check_severity(self.name, self.min_severity)
        self.base_url = self.base_url.rstrip("/")

    def _enqueue(self, body: dict[str, Any]) -> None:
        key = read_secret(self.routing_key_env, self.name, "PagerDuty routing key")
        call(self.name, "POST", f"{self.base_url}/v2/enqueue", body={"routing_key": key, **body}, secrets=(key,),
             timeout_s=self.timeout_s)

    def trigger_body(self, event: NotificationEvent, dedup_key: str) -> dict[str, Any]:
        """The trigger event (without the routing key)."""
        payload: dict[str, Any] = {
            "summary": title_of(event, 1024), "source": self.source or f"dev.azure.com/{event.organization}",
            "severity": PAGERDUTY_SEVERITY.get(event.severity or "", "warning"),
            "timestamp": iso_utc(event.occurred_at), "component": self.component or event.resource_type,
            "class": event.rule_id or "finding", "custom_details": facts(event),
        }
        group = self.group or event.details.get("project_name")
        if group:
            payload["group"] = group
        body: dict[str, Any] = {"event_action": "trigger", "dedup_key": dedup_key, "payload": payload,
                                "client": "resmo-pipeline"}
        link = safe_link(event.details.get("url"))
        if link:
            body["links"] = [{"href": link, "text": f"{event.resource_type} {event.resource_name}"}]
        return body

    def act(self, event: NotificationEvent, link: TicketLink | None) -> TicketLink | None:
        """Trigger on an opening event, resolve on a resolution."""
        if event.kind in OPENING_KINDS:
            self._enqueue(self.trigger_body(event, alert_key(event)))
        else:
            self._enqueue({"event_action": "resolve", "dedup_key": alert_key(event)})
        return None

    def check(self) -> None:
        """Trigger an info-level test alert and resolve it at once."""
        self._enqueue(self.trigger_body(_test_event(), TEST_KEY))
        self._enqueue({"event_action": "resolve", "dedup_key": TEST_KEY})


@dataclass
class OpsgenieChannel(TicketChannel):
    """Opsgenie Alert API (`base_url`, default https://api.opsgenie.com; EU: https://api.eu.opsgenie.com)."""

    name: str
    api_key_env: str
    base_url: str = "https://api.opsgenie.com"
    min_severity: str | None = "high"
    tags: list[str] = field(default_factory=list)
    responders: list[dict[str, str]] = field(default_factory=list)  # e.g. [{name: SecOps, type: team}]
    priorities: dict[str, str] = field(default_factory=dict)  # our severity -> P1..P5 (defaults: OPSGENIE_PRIORITY)
    source: str = "resmo-pipeline"
    timeout_s: float = 15.0

    system = "opsgenie"

    def __post_init__(self) -> None:
        check_severity(self.name, self.min_severity)
        self.base_url = self.base_url.rstrip("/")

    def _post(self, path: str, body: dict[str, Any]) -> None:
        key = read_secret(self.api_key_env, self.name, "Opsgenie API key")
        call(self.name, "POST", f"{self.base_url}/v2/{path}", body=body, headers={"Authorization": f"GenieKey {key}"},
             secrets=(key,), timeout_s=self.timeout_s)

    def alert_body(self, event: NotificationEvent, alias: str) -> dict[str, Any]:
        """The create-alert request."""
        f = facts(event)
        lines = [f.get("message", event.summary)]
        if "resource_url" in f:
            lines.append(f"Resource: {f['resource_url']}")
        if "remediation" in f:
            lines.append(f"Remediation: {f['remediation']}")
        priority = {**OPSGENIE_PRIORITY, **self.priorities}.get(event.severity or "", "P3")
        body: dict[str, Any] = {
            "message": title_of(event, 130), "alias": alias, "description": "\n\n".join(lines)[:15000],
            "priority": priority, "tags": ["resmo-pipeline", *(filter(None, [event.severity, event.rule_id])),
                                           *self.tags],
            "details": f, "entity": f"{event.resource_type}/{event.resource_name}"[:512], "source": self.source,
        }
        if self.responders:
            body["responders"] = self.responders
        return body

    def act(self, event: NotificationEvent, link: TicketLink | None) -> TicketLink | None:
        """Create (Opsgenie deduplicates open alerts by alias) or close the finding's alert."""
        alias = alert_key(event)
        if event.kind in OPENING_KINDS:
            self._post("alerts", self.alert_body(event, alias))
        else:
            self._post(f"alerts/{quote(alias)}/close?identifierType=alias",
                       {"source": self.source, "note": f"Resolved: resmo-pipeline no longer finds this violation "
                                                       f"(checked {iso_utc(event.occurred_at)})."})
        return None

    def check(self) -> None:
        """Create a P5 test alert and close it at once."""
        self._post("alerts", {**self.alert_body(_test_event(), TEST_KEY), "priority": "P5"})
        self._post(f"alerts/{TEST_KEY}/close?identifierType=alias", {"source": self.source, "note": "test"})
