"""Deliver what happened since the last delivery: exactly once per event, subscription and channel.

The warehouse is the memory. Events come from `history.changes` (resource changes) and
`compliance.finding_events` (findings opened, reopened, resolved, suppression expired); every attempt is
recorded in `meta.notifications`. An event is pending for a (subscription, channel) until that log says
`delivered` or `gave_up`, so a restart repeats nothing and a channel that was down gets the event once it is
back (retried every `retry_after_s`, at most `max_attempts` times).

Ticket and alert channels (Azure Boards, Jira, PagerDuty, Opsgenie; notify/tickets/) get one event per message,
never a digest, only finding events, and the events of one finding in order. The ticket each keeps per finding is
recorded in `meta.ticket_links` in the same transaction as the log.

The warehouse connection is held only to read pending events and to record outcomes, never while talking to a
channel, so a slow receiver cannot block a sync.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from resmo_pipeline.notify.channels import ChannelConfigError, ChannelError
from resmo_pipeline.notify.config import NotificationConfig
from resmo_pipeline.notify.model import Message, NotificationEvent
from resmo_pipeline.notify.tickets.base import TicketChannel
from resmo_pipeline.notify.tickets.delivery import TicketPass, held_in_plan
from resmo_pipeline.notify.tickets.links import load_links, save_links
from resmo_pipeline.warehouse.schema import table_exists

log = logging.getLogger("resmo_pipeline.notify")

ConnectionFactory = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

#: How far back a new deployment looks for events it has not delivered yet.
HORIZON = timedelta(days=7)
#: A digest lists at most this many events; the rest are counted.
DIGEST_MAX_EVENTS = 50

NOTIFICATIONS_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.notifications (
    event_id VARCHAR NOT NULL,
    subscription VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    organization VARCHAR,
    kind VARCHAR,
    status VARCHAR NOT NULL,          -- delivered | failed | gave_up
    attempts INTEGER NOT NULL,
    first_attempt_at TIMESTAMP,
    last_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    error VARCHAR,
    title VARCHAR,
    PRIMARY KEY (event_id, subscription, channel)
);
"""


@dataclass
class DeliveryReport:
    """What one delivery pass did, per channel."""

    delivered: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gave_up: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total_delivered(self) -> int:
        """Events delivered across channels in this pass."""
        return sum(self.delivered.values())

    def summary(self) -> str:
        """One line for logs and sensor skip reasons."""
        if not (self.delivered or self.failed or self.gave_up):
            return "nothing to deliver"
        parts = [f"{channel}: {n} delivered" for channel, n in sorted(self.delivered.items())]
        parts += [f"{channel}: {n} failed (will retry)" for channel, n in sorted(self.failed.items())]
        parts += [f"{channel}: {n} given up" for channel, n in sorted(self.gave_up.items())]
        return "; ".join(parts)


def _change_events(conn: duckdb.DuckDBPyConnection, since: datetime) -> list[NotificationEvent]:
    if not table_exists(conn, "history", "changes"):
        return []
    rows = conn.execute(
        """
        WITH baselines AS (
            SELECT organization, resource_type, min(detected_at) AS first_detected
            FROM history.changes GROUP BY ALL
        )
        SELECT CAST(c.event_id AS VARCHAR), c.organization, c.resource_type, CAST(c.resource_id AS VARCHAR),
               coalesce(c.resource_name, CAST(c.resource_id AS VARCHAR)), c.change_type,
               CAST(c.changed_fields AS VARCHAR), c.detected_at
        FROM history.changes AS c JOIN baselines USING (organization, resource_type)
        WHERE c.detected_at >= ?
          -- The first snapshot of a type records every resource as created: that is the baseline, not news.
          AND NOT (c.change_type = 'created' AND c.detected_at = baselines.first_detected)
        ORDER BY c.detected_at, c.event_id
        """,
        [since],
    ).fetchall()
    events = []
    for event_id, org, rtype, rid, name, change_type, changed, detected_at in rows:
        field_changes = json.loads(changed) if changed else []
        names = tuple(str(c.get("field")) for c in field_changes if isinstance(c, dict))
        what = f" ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})" if names else ""
        events.append(NotificationEvent(
            event_id=f"change:{event_id}", kind="change", organization=org, occurred_at=detected_at,
            resource_type=rtype, resource_id=rid, resource_name=name,
            summary=f"{rtype} '{name}' {change_type}{what}", changed_fields=names,
            details={"change_type": change_type, "changed_fields": field_changes},
        ))
    return events


def _finding_events(conn: duckdb.DuckDBPyConnection, since: datetime) -> list[NotificationEvent]:
    if not table_exists(conn, "compliance", "finding_events"):
        return []
    # The finding's project and link and the rule's title and remediation, for tickets (when those tables exist).
    joins, finding, rule = "", "NULL, NULL", "NULL, NULL"
    if table_exists(conn, "compliance", "findings"):
        joins += """ LEFT JOIN compliance.findings AS f ON f.rule_id = e.rule_id AND f.organization = e.organization
                     AND f.resource_type = e.resource_type AND f.resource_id = e.resource_id"""
        finding = "f.project_name, f.url"
    if table_exists(conn, "compliance", "rules"):
        joins += " LEFT JOIN compliance.rules AS r ON r.rule_id = e.rule_id"
        rule = "r.title, r.remediation"
    rows = conn.execute(
        f"""
        SELECT CAST(e.event_id AS VARCHAR), e.kind, e.organization, e.rule_id, e.resource_type,
               CAST(e.resource_id AS VARCHAR), coalesce(e.resource_name, CAST(e.resource_id AS VARCHAR)), e.severity,
               e.message, e.occurred_at, {finding}, {rule}
        FROM compliance.finding_events AS e {joins}
        WHERE e.occurred_at >= ?
        ORDER BY e.occurred_at, e.event_id
        """,
        [since],
    ).fetchall()
    events = []
    for event_id, kind, org, rule_id, rtype, rid, name, severity, message, at, project, url, title, fix in rows:
        details = {"message": message, "project_name": project, "url": url, "rule_title": title, "remediation": fix}
        events.append(NotificationEvent(
            event_id=f"finding:{event_id}", kind=kind, organization=org, occurred_at=at, resource_type=rtype,
            resource_id=rid, resource_name=name, severity=severity, rule_id=rule_id,
            summary=f"{rule_id} on {rtype} '{name}': {message}",
            details={k: v for k, v in details.items() if v not in (None, "")},
        ))
    return events


def pending_events(conn: duckdb.DuckDBPyConnection, now: datetime) -> list[NotificationEvent]:
    """Every event of the last week, oldest first (delivery state is filtered later)."""
    since = now - HORIZON
    return sorted(_finding_events(conn, since) + _change_events(conn, since),
                  key=lambda e: (e.occurred_at, e.event_id))


def _delivery_state(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], tuple[str, int, datetime]]:
    conn.execute(NOTIFICATIONS_DDL)
    rows = conn.execute(
        "SELECT event_id, subscription, channel, status, attempts, last_attempt_at FROM meta.notifications"
    ).fetchall()
    return {(e, s, c): (status, attempts, last) for e, s, c, status, attempts, last in rows}


def _messages(events: list[NotificationEvent], subscription: str, threshold: int) -> list[Message]:
    by_org: dict[str, list[NotificationEvent]] = defaultdict(list)
    for event in events:
        by_org[event.organization].append(event)
    messages = []
    for org, org_events in by_org.items():
        if len(org_events) >= threshold:
            messages.append(Message(organization=org, subscription=subscription, events=tuple(org_events)))
        else:
            messages += [Message(organization=org, subscription=subscription, events=(e,)) for e in org_events]
    return messages


def _plan(conn: duckdb.DuckDBPyConnection, config: NotificationConfig, now: datetime
          ) -> tuple[list[tuple[str, str, Message]], dict[tuple[str, str, str], tuple[str, int, datetime]]]:
    state = _delivery_state(conn)
    events = pending_events(conn, now)
    retry_after = timedelta(seconds=config.delivery.retry_after_s)
    plan = []
    for sub in config.subscriptions:
        wanted = [e for e in events if sub.wants(e)]
        for channel in sub.channels:
            target = config.channels[channel]
            ticket = isinstance(target, TicketChannel)
            due, held = [], set()
            for event in wanted:
                if ticket and not target.accepts(event):
                    continue  # change events and findings below the channel's severity are not for it
                status, _, last = state.get((event.event_id, sub.name, channel), ("new", 0, None))
                if status in ("delivered", "gave_up"):
                    continue
                waiting = status == "failed" and last is not None and now - last < retry_after
                if (ticket and held_in_plan(channel, event, waiting, held)) or waiting:
                    continue
                due.append(event)
            # Ticket channels act per event: the digest threshold does not apply to them.
            threshold = sys.maxsize if ticket else config.delivery.digest_threshold
            plan += [(sub.name, channel, m) for m in _messages(due, sub.name, threshold)]
    return plan, state


def _record(conn: duckdb.DuckDBPyConnection, outcomes: Iterable[tuple[str, str, Message, str | None]],
            state: dict[tuple[str, str, str], tuple[str, int, datetime]], max_attempts: int, now: datetime,
            report: DeliveryReport, tickets: TicketPass) -> None:
    conn.execute(NOTIFICATIONS_DDL)
    save_links(conn, tickets.changed_links, now)
    for sub, channel, message, error in outcomes:
        for event in message.events:
            _, attempts, _ = state.get((event.event_id, sub, channel), ("new", 0, None))
            attempts += 1
            if error is None:
                status = "delivered"
                report.delivered[channel] += 1
            elif attempts >= max_attempts:
                status = "gave_up"
                report.gave_up[channel] += 1
            else:
                status = "failed"
                report.failed[channel] += 1
            conn.execute(
                """
                INSERT INTO meta.notifications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (event_id, subscription, channel) DO UPDATE SET
                    status = excluded.status, attempts = excluded.attempts,
                    last_attempt_at = excluded.last_attempt_at, delivered_at = excluded.delivered_at,
                    error = excluded.error, title = excluded.title
                """,
                [event.event_id, sub, channel, event.organization, event.kind, status, attempts, now, now,
                 now if error is None else None, error, message.title],
            )


def _trimmed(message: Message) -> Message:
    if len(message.events) <= DIGEST_MAX_EVENTS:
        return message
    return Message(organization=message.organization, subscription=message.subscription,
                   events=message.events[:DIGEST_MAX_EVENTS], omitted=len(message.events) - DIGEST_MAX_EVENTS)


def deliver_pending(connect: ConnectionFactory, config: NotificationConfig,
                    now: datetime | None = None) -> DeliveryReport:
    """Send every pending event to every subscribed channel and record the outcome.

    `connect` opens a short write connection to the warehouse (it is called twice: to plan, then to record).
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)
    report = DeliveryReport()
    with connect() as conn:
        plan, state = _plan(conn, config, now)
        ticket_channels = {c for _, c, _ in plan if isinstance(config.channels[c], TicketChannel)}
        tickets = TicketPass(links=load_links(conn, ticket_channels))
    if not plan:
        return report
    outcomes = []
    for sub, channel_name, message in plan:
        channel = config.channels[channel_name]
        error: str | None = None
        try:
            if isinstance(channel, TicketChannel):
                if tickets.waits(channel_name, message):
                    continue  # an earlier event of this finding failed: this one stays pending, in order
                tickets.send(channel_name, channel, message)
            else:
                channel.send(_trimmed(message))
            report.messages += 1
        except (ChannelError, ChannelConfigError) as exc:
            error = str(exc)
            report.errors.append(error)
            log.warning("notification to %s failed: %s", channel_name, error)
        outcomes.append((sub, channel_name, message, error))
    with connect() as conn:
        _record(conn, outcomes, state, config.delivery.max_attempts, now, report, tickets)
    log.info("notifications: %s", report.summary())
    return report


def delivery_log(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The delivery log as dictionaries (newest first), for the CLI and the demo summary."""
    if not table_exists(conn, "meta", "notifications"):
        return []
    cursor = conn.execute("SELECT * FROM meta.notifications ORDER BY last_attempt_at DESC, event_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
