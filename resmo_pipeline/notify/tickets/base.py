"""What ticket and alert channels share: one action per finding event, the finding's stable key, and HTTP.

A ticket channel (Azure Boards, Jira) or alert channel (PagerDuty, Opsgenie) acts on one finding event at a
time, never on a digest: a new finding opens a ticket or triggers an alert, a regression (or an expired
suppression) comments on and reopens it, a resolution closes it. Change events are not for them: they are
filtered out before delivery, as a subscription filter would be, so they never appear in their log.

Every action must be safe to repeat, because the delivery log (meta.notifications) is written after the
channel answered: a crash in between sends the event again. So channels look their ticket up by the
finding's key (a tag, label, dedup key or alias) before creating one, and mark each comment with the event's
id so a repeated event finds its comment and adds none.
"""

from __future__ import annotations

import hashlib
import json
from abc import abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from resmo_pipeline.notify.channels import USER_AGENT, Channel, ChannelConfigError, ChannelError
from resmo_pipeline.notify.model import Message, NotificationEvent

#: The event kinds ticket and alert channels act on.
FINDING_KINDS = ("new_finding", "regression", "resolved", "suppression_expired")
#: Kinds that mean "the finding is open (again)".
OPENING_KINDS = ("new_finding", "regression", "suppression_expired")
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def finding_key(event: NotificationEvent) -> str:
    """The finding's stable identity across runs: organization, rule and resource."""
    return f"{event.organization.lower()}|{event.rule_id or ''}|{event.resource_id}"


def finding_hash(event: NotificationEvent) -> str:
    """A short hash of the finding key: the tag, label, dedup key and alias that find its ticket again."""
    return hashlib.sha256(finding_key(event).encode()).hexdigest()[:12]


def event_marker(event: NotificationEvent) -> str:
    """Text every comment carries, so a repeated event finds the comment it already made."""
    return f"resmo-pipeline event {event.event_id}"


@dataclass(frozen=True)
class TicketLink:
    """Which ticket a channel keeps for a finding (a row of meta.ticket_links)."""

    channel: str
    finding_key: str
    ticket_id: str
    url: str
    state: str  # open | closed
    system: str = ""  # azure_boards | jira
    organization: str = ""
    rule_id: str = ""
    resource_id: str = ""


def check_severity(channel: str, value: str | None) -> None:
    """Refuse a min_severity that is not one of ours."""
    if value is not None and value not in SEVERITY_RANK:
        raise ChannelConfigError(f"channel '{channel}': min_severity '{value}' is not one of "
                                 f"{', '.join(SEVERITY_RANK)}")


class TicketChannel(Channel):
    """A channel that acts once per finding event and may keep a ticket per finding."""

    system: ClassVar[str] = ""  # what meta.ticket_links says the ticket lives in
    min_severity: str | None = None

    def accepts(self, event: NotificationEvent) -> bool:
        """Finding events at or above the channel's minimum severity (an event without one passes)."""
        if event.kind not in FINDING_KINDS:
            return False
        if self.min_severity is None or not event.severity:
            return True
        return SEVERITY_RANK.get(event.severity, 0) >= SEVERITY_RANK[self.min_severity]

    @abstractmethod
    def act(self, event: NotificationEvent, link: TicketLink | None) -> TicketLink | None:
        """Open, comment on, reopen or close the finding's ticket; return its link (None: no ticket to keep).

        `link` is what the last delivery recorded, or None; raise ChannelError when the receiver refuses.
        """

    @abstractmethod
    def check(self) -> None:
        """Prove the channel is wired up (credentials, project, endpoint): ticket channels file nothing, alert
        channels send a test alert and resolve it at once."""

    def send(self, message: Message) -> None:
        """Act on each finding event of the message; a message without one (`notify test`) runs `check`."""
        findings = [e for e in message.events if e.kind in FINDING_KINDS]
        if not findings:
            self.check()
        for event in findings:
            self.act(event, None)

    def link(self, event: NotificationEvent, ticket_id: str, url: str, state: str) -> TicketLink:
        """The link to record for this event's finding."""
        return TicketLink(channel=self.name, finding_key=finding_key(event), ticket_id=ticket_id, url=url,
                          state=state, system=self.system, organization=event.organization,
                          rule_id=event.rule_id or "", resource_id=event.resource_id)


def title_of(event: NotificationEvent, limit: int = 255) -> str:
    """A one-line title: rule, resource and organization."""
    rule = event.details.get("rule_title") or event.rule_id or "finding"
    title = f"{rule}: {event.resource_type} '{event.resource_name}' ({event.organization})"
    return title if len(title) <= limit else title[: limit - 3] + "..."


def facts(event: NotificationEvent) -> dict[str, str]:
    """The finding's facts as strings: what alert details and ticket bodies list."""
    details = event.details
    values = {
        "organization": event.organization, "project": details.get("project_name"), "rule": event.rule_id,
        "severity": event.severity, "resource_type": event.resource_type, "resource": event.resource_name,
        "resource_id": event.resource_id, "resource_url": details.get("url"), "message": details.get("message"),
        "remediation": details.get("remediation"), "event": event.kind, "occurred_at": iso_utc(event.occurred_at),
        "finding_key": finding_hash(event),
    }
    return {k: str(v) for k, v in values.items() if v not in (None, "")}


def iso_utc(moment: datetime) -> str:
    """A timestamp with its zone (warehouse timestamps are naive UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def safe_link(url: Any) -> str | None:
    """An http(s) URL, or None (a link into a ticket must not be javascript: or similar)."""
    return url if isinstance(url, str) and urlsplit(url).scheme in ("http", "https") else None


# ---- HTTP ---------------------------------------------------------------------------------------------------


def _receiver_message(response: requests.Response, secrets: Iterable[str]) -> str:
    """The receiver's own error text (Azure DevOps `message`, Jira `errorMessages`/`errors`, PagerDuty
    `errors`, Opsgenie `message`), shortened, with any secret we sent blanked out."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())[:200]
    else:
        parts: list[str] = []
        if isinstance(body, dict):
            for key in ("message", "errorMessage", "errorMessages", "errors"):
                value = body.get(key)
                if isinstance(value, str):
                    parts.append(value)
                elif isinstance(value, list):
                    parts += [str(v) for v in value]
                elif isinstance(value, dict):
                    parts += [f"{k}: {v}" for k, v in value.items()]
        text = "; ".join(parts)[:300]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def call(channel: str, method: str, url: str, *, body: Any = None, headers: Mapping[str, str] | None = None,
         auth: tuple[str, str] | None = None, content_type: str = "application/json",
         secrets: Iterable[str] = (), timeout_s: float = 15.0, allow_404: bool = False) -> Any:
    """Send one request and return the parsed JSON answer (None for an empty one, or a 404 when allowed).

    Errors name the method and the URL without its query, the HTTP status and the receiver's message; no
    credential appears in them (none of these channels put one in a URL).
    """
    shown = urlsplit(url)._replace(query="", fragment="").geturl()
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        all_headers["Content-Type"] = content_type
        data = json.dumps(body).encode()
    try:
        response = requests.request(method, url, data=data, headers=all_headers, auth=auth, timeout=timeout_s)
    except requests.RequestException as exc:
        raise ChannelError(f"channel '{channel}': could not reach {shown} ({type(exc).__name__})") from None
    if allow_404 and response.status_code == 404:
        return None
    if response.status_code >= 300:
        detail = _receiver_message(response, [*secrets, *(auth or ())])
        raise ChannelError(f"channel '{channel}': {method} {shown} answered HTTP {response.status_code}"
                           + (f": {detail}" if detail else ""))
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
