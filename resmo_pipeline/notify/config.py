"""Who is told what: channels and subscriptions, read from a YAML file.

The file is `$RESMO_NOTIFICATIONS` or `$RESMO_HOME/notifications.yaml`. Without one, every event goes to a local
log file (`$RESMO_HOME/notifications.log`), which is what the demo shows. Example::

    channels:
      security-slack: {type: slack, url_env: SLACK_WEBHOOK_URL}
      soc: {type: webhook, url: "https://soc.example.com/hook", secret_env: SOC_HMAC_KEY,
            headers: {X-Team: appsec}}
      mail: {type: email, host: smtp.example.com, port: 587, sender: resmo@example.com,
             recipients: [secops@example.com], username: resmo, password_env: SMTP_PASSWORD}
      boards: {type: azure_boards, organization: contoso, project: Security, pat_env: BOARDS_PAT}
      jira: {type: jira, base_url: "https://example.atlassian.net", project_key: SEC, email: bot@example.com,
             token_env: JIRA_API_TOKEN}
      pager: {type: pagerduty, routing_key_env: PAGERDUTY_ROUTING_KEY}
      genie: {type: opsgenie, api_key_env: OPSGENIE_API_KEY, base_url: "https://api.eu.opsgenie.com"}
    subscriptions:
      - name: critical-findings
        events: [new_finding, regression, suppression_expired]
        filters: {severities: [critical, high]}
        channels: [security-slack, mail]
      - name: service-connection-changes
        events: [change]
        filters: {resource_types: [service_connections, pipeline_permissions]}
        channels: [soc]
    delivery: {max_attempts: 5, retry_after_s: 30, digest_threshold: 3}

Ticket and alert channels (azure_boards, jira, pagerduty, opsgenie) act once per finding event: the digest
threshold does not apply to them and change events never reach them (docs/notifications.md).
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from resmo_pipeline import settings
from resmo_pipeline.notify.channels import CHANNEL_TYPES, Channel, ChannelConfigError, LogChannel
from resmo_pipeline.notify.model import EVENT_KINDS, NotificationEvent
from resmo_pipeline.notify.tickets import TICKET_CHANNEL_TYPES
from resmo_pipeline.notify.tickets.base import FINDING_KINDS, TicketChannel

#: Every channel type a configuration may name.
ALL_CHANNEL_TYPES: dict[str, type[Channel]] = {**CHANNEL_TYPES, **TICKET_CHANNEL_TYPES}

CONFIG_ENV = "RESMO_NOTIFICATIONS"
DEFAULT_LOG_CHANNEL = "local-log"


@dataclass(frozen=True)
class Filters:
    """Which events a subscription wants; an empty list means "any"."""

    organizations: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    resource_types: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()

    def match(self, event: NotificationEvent) -> bool:
        """True when the event passes every filter."""
        if self.organizations and event.organization not in self.organizations:
            return False
        if self.severities and (event.severity or "") not in self.severities:
            return False
        if self.rules and (event.rule_id or "") not in self.rules:
            return False
        if self.resource_types and event.resource_type not in self.resource_types:
            return False
        return not (self.fields and event.kind == "change" and not set(self.fields) & set(event.changed_fields))


@dataclass(frozen=True)
class Subscription:
    """A named rule: these events, filtered so, go to these channels."""

    name: str
    events: tuple[str, ...]
    channels: tuple[str, ...]
    filters: Filters = field(default_factory=Filters)

    def wants(self, event: NotificationEvent) -> bool:
        """True when this subscription should deliver the event."""
        return event.kind in self.events and self.filters.match(event)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: attempts per event and channel, the wait between ticks, and when to send a digest."""

    max_attempts: int = 5
    retry_after_s: float = 30.0
    digest_threshold: int = 3


@dataclass(frozen=True)
class NotificationConfig:
    """The whole notification set-up."""

    channels: dict[str, Channel]
    subscriptions: tuple[Subscription, ...]
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    source: str = "default"


class NotificationConfigError(ValueError):
    """The notification file is invalid; the message names the file, the entry and the fix."""


def config_path() -> Path:
    """Where the notification configuration is read from."""
    return Path(os.environ.get(CONFIG_ENV) or settings.resmo_home() / "notifications.yaml")


def default_config() -> NotificationConfig:
    """Every event to the local log file."""
    log = LogChannel(name=DEFAULT_LOG_CHANNEL, path=settings.resmo_home() / "notifications.log")
    return NotificationConfig(
        channels={log.name: log},
        subscriptions=(Subscription(name="all-events", events=EVENT_KINDS, channels=(log.name,)),),
    )


def load_config(path: Path | None = None) -> NotificationConfig:
    """Read the configuration file, or the default when there is none."""
    path = path or config_path()
    if not path.exists():
        return default_config()
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise NotificationConfigError(f"{path}: not valid YAML ({exc})") from None
    return parse_config(document, source=str(path))


def _build_channel(name: str, spec: Any, source: str) -> Channel:
    if not isinstance(spec, dict) or "type" not in spec:
        raise NotificationConfigError(f"{source}: channel '{name}' needs a mapping with a 'type' "
                                      f"({', '.join(ALL_CHANNEL_TYPES)})")
    kind = spec["type"]
    cls = ALL_CHANNEL_TYPES.get(kind)
    if cls is None:
        raise NotificationConfigError(f"{source}: channel '{name}' has unknown type '{kind}'; "
                                      f"use one of {', '.join(ALL_CHANNEL_TYPES)}")
    options_of = [f for f in fields(cls) if f.init and f.name != "name"]
    allowed = {f.name for f in options_of}
    options = {k: v for k, v in spec.items() if k != "type"}
    unknown = set(options) - allowed
    if unknown:
        raise NotificationConfigError(f"{source}: channel '{name}' ({kind}) has unknown option(s) "
                                      f"{', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
    if kind == "log":
        options["path"] = Path(options.get("path") or settings.resmo_home() / "notifications.log")
    required = [f.name for f in options_of if f.default is MISSING and f.default_factory is MISSING]
    missing = [option for option in required if options.get(option) in (None, "")]
    if missing:
        raise NotificationConfigError(f"{source}: channel '{name}' ({kind}) is missing required option(s) "
                                      f"{', '.join(missing)}")
    for option in options_of:
        expected = {"list": list, "dict": dict}.get(str(option.type).split("[")[0])
        if expected is not None and not isinstance(options.get(option.name, expected()), expected):
            raise NotificationConfigError(f"{source}: channel '{name}' ({kind}): '{option.name}' must be a "
                                          f"{'list' if expected is list else 'mapping'}")
    try:
        return cls(name=name, **options)
    except ChannelConfigError as exc:
        raise NotificationConfigError(f"{source}: {exc}") from None
    except TypeError as exc:
        raise NotificationConfigError(f"{source}: channel '{name}' ({kind}): {exc}") from None


def parse_config(document: dict[str, Any], source: str = "<config>") -> NotificationConfig:
    """Validate and build the configuration from its parsed YAML."""
    channels = {name: _build_channel(name, spec, source) for name, spec in (document.get("channels") or {}).items()}
    subscriptions = []
    for index, raw in enumerate(document.get("subscriptions") or []):
        name = raw.get("name") or f"subscription-{index + 1}"
        events = tuple(raw.get("events") or EVENT_KINDS)
        bad = [e for e in events if e not in EVENT_KINDS]
        if bad:
            raise NotificationConfigError(f"{source}: subscription '{name}' has unknown event(s) {bad}; "
                                          f"use {', '.join(EVENT_KINDS)}")
        targets = tuple(raw.get("channels") or ())
        missing = [c for c in targets if c not in channels]
        if not targets or missing:
            raise NotificationConfigError(f"{source}: subscription '{name}' must name channels defined under "
                                          f"'channels' (unknown: {missing or 'none given'})")
        ignored = [c for c in targets if isinstance(channels[c], TicketChannel)]
        if ignored and not set(events) & set(FINDING_KINDS):
            raise NotificationConfigError(f"{source}: subscription '{name}' sends only {', '.join(events)} events, "
                                          f"which ticket and alert channel(s) {', '.join(ignored)} do not take; "
                                          f"add finding events ({', '.join(FINDING_KINDS)}) or another channel")
        filter_spec = raw.get("filters") or {}
        unknown = set(filter_spec) - {f.name for f in fields(Filters)}
        if unknown:
            raise NotificationConfigError(f"{source}: subscription '{name}' has unknown filter(s) {sorted(unknown)}")
        filters = Filters(**{k: tuple(str(x) for x in v) for k, v in filter_spec.items()})
        subscriptions.append(Subscription(name=name, events=events, channels=targets, filters=filters))
    delivery = DeliveryPolicy(**(document.get("delivery") or {}))
    return NotificationConfig(channels=channels, subscriptions=tuple(subscriptions), delivery=delivery,
                              source=source)


__all__ = [
    "ChannelConfigError",
    "DeliveryPolicy",
    "Filters",
    "NotificationConfig",
    "NotificationConfigError",
    "Subscription",
    "load_config",
    "parse_config",
]
