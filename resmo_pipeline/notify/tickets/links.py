"""`meta.ticket_links`: which ticket each ticket channel keeps for each finding.

One row per (channel, finding): the ticket's id and URL and whether the channel last left it open or closed.
Delivery reads the rows before a pass and writes the ones that changed after it, in the same transaction as
the delivery log, so a restart finds every ticket it made. (A crash between creating a ticket and recording it
is covered by the channels themselves: they look the ticket up by the finding's tag or label first.)

Users can join it on the findings: `organization`, `rule_id` and `resource_id` are the finding's key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb

from resmo_pipeline.notify.tickets.base import TicketLink
from resmo_pipeline.warehouse.schema import table_exists

TICKET_LINKS_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.ticket_links (
    channel VARCHAR NOT NULL,
    finding_key VARCHAR NOT NULL,     -- organization|rule_id|resource_id
    system VARCHAR,                   -- azure_boards | jira
    organization VARCHAR,
    rule_id VARCHAR,
    resource_id VARCHAR,
    ticket_id VARCHAR NOT NULL,       -- work item id, issue key
    ticket_url VARCHAR,
    state VARCHAR NOT NULL,           -- open | closed, as the channel last left it
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    PRIMARY KEY (channel, finding_key)
);
"""

LinkKey = tuple[str, str]  # (channel, finding key)


def load_links(conn: duckdb.DuckDBPyConnection, channels: Iterable[str]) -> dict[LinkKey, TicketLink]:
    """The recorded links of these channels."""
    names = sorted(set(channels))
    if not names:
        return {}
    conn.execute(TICKET_LINKS_DDL)
    rows = conn.execute(
        "SELECT channel, finding_key, ticket_id, ticket_url, state, system, organization, rule_id, resource_id "
        "FROM meta.ticket_links WHERE list_contains(?, channel)", [names],
    ).fetchall()
    return {
        (channel, key): TicketLink(channel=channel, finding_key=key, ticket_id=ticket_id, url=url or "",
                                   state=state, system=system or "", organization=org or "", rule_id=rule or "",
                                   resource_id=rid or "")
        for channel, key, ticket_id, url, state, system, org, rule, rid in rows
    }


def save_links(conn: duckdb.DuckDBPyConnection, links: Iterable[TicketLink], now: datetime) -> None:
    """Insert or update these links (created_at stays the first time a ticket was recorded)."""
    links = list(links)
    if not links:
        return
    conn.execute(TICKET_LINKS_DDL)
    for link in links:
        conn.execute(
            """
            INSERT INTO meta.ticket_links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (channel, finding_key) DO UPDATE SET
                ticket_id = excluded.ticket_id, ticket_url = excluded.ticket_url, state = excluded.state,
                updated_at = excluded.updated_at
            """,
            [link.channel, link.finding_key, link.system, link.organization, link.rule_id, link.resource_id,
             link.ticket_id, link.url, link.state, now, now],
        )


def ticket_links(conn: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Every recorded link, as dictionaries (for tests and the CLI)."""
    if not table_exists(conn, "meta", "ticket_links"):
        return []
    cursor = conn.execute("SELECT * FROM meta.ticket_links ORDER BY channel, created_at, finding_key")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
