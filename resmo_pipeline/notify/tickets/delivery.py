"""How a delivery pass drives ticket and alert channels: in order per finding, each event once, links kept.

The delivery loop (notify/deliver.py) hands every planned message for a ticket channel to `TicketPass.send`.
Events of one finding must reach a ticket channel in the order they happened (open before close), so once
an event of a finding fails, the later events of that finding wait: they are not attempted in this pass and
stay pending (see `held_in_plan` for the planning side of the same rule). An event planned twice for the same
channel (two subscriptions route it there) is acted on once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from resmo_pipeline.notify.channels import ChannelError
from resmo_pipeline.notify.model import Message, NotificationEvent
from resmo_pipeline.notify.tickets.base import TicketChannel, TicketLink, finding_key
from resmo_pipeline.notify.tickets.links import LinkKey


@dataclass
class TicketPass:
    """One pass's ticket state: links recorded before it, links it changed, findings whose event failed."""

    links: dict[LinkKey, TicketLink] = field(default_factory=dict)
    changed: dict[LinkKey, TicketLink] = field(default_factory=dict)
    held: set[LinkKey] = field(default_factory=set)
    acted: set[tuple[str, str]] = field(default_factory=set)  # (channel, event id)

    def waits(self, channel_name: str, message: Message) -> bool:
        """True when an earlier event of this message's finding failed in this pass (do not attempt it)."""
        return any((channel_name, finding_key(e)) in self.held for e in message.events)

    def send(self, channel_name: str, channel: TicketChannel, message: Message) -> None:
        """Act on the message's event(s); on failure the finding is held for the rest of the pass."""
        for event in message.events:
            key = (channel_name, finding_key(event))
            if (channel_name, event.event_id) in self.acted:
                continue
            try:
                link = channel.act(event, self.links.get(key))
            except ChannelError:
                self.held.add(key)
                raise
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                # A receiver answering in an unexpected shape: a failed delivery (retried), not a crashed pass.
                self.held.add(key)
                raise ChannelError(f"channel '{channel_name}': unexpected answer ({type(exc).__name__}: "
                                   f"{str(exc)[:200]})") from None
            except Exception:
                self.held.add(key)
                raise
            self.acted.add((channel_name, event.event_id))
            if link is not None and link != self.links.get(key):
                self.links[key] = self.changed[key] = link

    @property
    def changed_links(self) -> Iterable[TicketLink]:
        """Links to record after the pass."""
        return self.changed.values()


def held_in_plan(channel_name: str, event: NotificationEvent, waiting: bool, held: set[LinkKey]) -> bool:
    """Planning's side of the ordering rule: an event whose finding has an earlier event still waiting for its
    retry (`waiting` marks such an event itself) is held back until that one is delivered or given up."""
    key = (channel_name, finding_key(event))
    if waiting:
        held.add(key)
        return True
    return key in held
