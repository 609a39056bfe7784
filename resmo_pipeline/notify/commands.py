"""`resmo-pipeline notify`: send a test message through a channel, deliver pending events now, show the log.

The channels, the configuration and the delivery log are imported by the handlers, not when the parser is built.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from resmo_pipeline import settings

if TYPE_CHECKING:
    from resmo_pipeline.notify.model import Message


def test_message() -> Message:
    """A harmless message that proves a channel is wired up."""
    from resmo_pipeline.notify.model import Message, NotificationEvent

    event = NotificationEvent(
        event_id="test", kind="change", organization="resmo-pipeline", occurred_at=datetime.now(UTC),
        resource_type="notification_channel", resource_id="test", resource_name="test",
        summary="test message from resmo-pipeline: this channel works",
    )
    return Message(organization="resmo-pipeline", subscription="test", events=(event,))


def _send_test(args: argparse.Namespace) -> int:
    from resmo_pipeline.notify.channels import ChannelConfigError, ChannelError
    from resmo_pipeline.notify.config import NotificationConfigError, config_path, load_config

    try:
        config = load_config()
    except NotificationConfigError as exc:
        print(f"error: {exc}")
        return 2
    channel = config.channels.get(args.channel)
    if channel is None:
        known = ", ".join(sorted(config.channels)) or "none"
        print(f"error: no channel named '{args.channel}' in {config_path()} (channels: {known})")
        return 2
    try:
        channel.send(test_message())
    except (ChannelError, ChannelConfigError) as exc:
        print(f"error: {exc}")
        return 1
    print(f"sent a test message through '{args.channel}'")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    from resmo_pipeline.notify.config import load_config
    from resmo_pipeline.notify.deliver import deliver_pending
    from resmo_pipeline.warehouse.access import write_connection

    warehouse = settings.warehouse_path()
    if not warehouse.exists():
        print("nothing to deliver: no warehouse yet (run `resmo-pipeline sync` first)")
        return 0
    report = deliver_pending(partial(write_connection, warehouse), load_config())
    print(report.summary())
    return 1 if report.failed or report.gave_up else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `notify test CHANNEL` and `notify deliver`."""
    notify = subparsers.add_parser("notify", help="notification channels and deliveries",
                                   description="Test notification channels and deliver pending notifications.")
    sub = notify.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    test = sub.add_parser("test", help="send a test message through one channel",
                          description="Send a test message through a channel defined in notifications.yaml.")
    test.add_argument("channel", help="channel name from notifications.yaml")
    test.set_defaults(handler=_send_test)
    deliver = sub.add_parser("deliver", help="deliver pending notifications now",
                             description="Deliver every pending event now (the sensor does this every 30 s).")
    deliver.set_defaults(handler=_deliver)
