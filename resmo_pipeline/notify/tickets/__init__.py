"""Ticket and alert channels: Azure Boards work items, Jira issues, PagerDuty and Opsgenie alerts.

They act once per finding event (never on digests, never on change events); see base.py for what they share
and deliver.py for how a delivery pass drives them.
"""

from __future__ import annotations

from resmo_pipeline.notify.channels import Channel
from resmo_pipeline.notify.tickets.alerts import OpsgenieChannel, PagerDutyChannel
from resmo_pipeline.notify.tickets.azure_boards import AzureBoardsChannel
from resmo_pipeline.notify.tickets.base import TicketChannel, TicketLink, finding_hash, finding_key
from resmo_pipeline.notify.tickets.jira import JiraChannel

TICKET_CHANNEL_TYPES: dict[str, type[Channel]] = {
    "azure_boards": AzureBoardsChannel,
    "jira": JiraChannel,
    "pagerduty": PagerDutyChannel,
    "opsgenie": OpsgenieChannel,
}

__all__ = [
    "TICKET_CHANNEL_TYPES",
    "AzureBoardsChannel",
    "JiraChannel",
    "OpsgenieChannel",
    "PagerDutyChannel",
    "TicketChannel",
    "TicketLink",
    "finding_hash",
    "finding_key",
]
