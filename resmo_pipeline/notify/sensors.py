"""The Dagster sensor that delivers notifications: it runs in the daemon, visible under Automation in the UI."""

from __future__ import annotations

import os
from functools import partial

import dagster as dg

from resmo_pipeline import settings
from resmo_pipeline.notify.config import NotificationConfig, NotificationConfigError, config_path, load_config
from resmo_pipeline.notify.deliver import DeliveryReport, deliver_pending
from resmo_pipeline.warehouse.access import WarehouseLockedError, write_connection

INTERVAL_ENV = "RESMO_NOTIFY_INTERVAL_S"
# Well inside Dagster's 60 s tick limit: a run holding the warehouse longer only delays delivery to the next tick.
LOCK_TIMEOUT_S = 20.0


@dg.sensor(
    name="notification_sensor",
    minimum_interval_seconds=int(os.environ.get(INTERVAL_ENV, "30")),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends new findings, regressions, resolutions, expired suppressions and resource changes to the "
    "channels subscribed in notifications.yaml; every attempt is logged in meta.notifications.",
)
def notification_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    """Deliver pending events; the tick's skip reason says what was delivered."""
    warehouse = settings.warehouse_path()
    if not warehouse.exists():
        return dg.SkipReason("no warehouse yet: nothing has been synced")
    try:
        config = load_config()
    except NotificationConfigError as exc:
        return dg.SkipReason(f"notification configuration invalid: {exc}")
    # publish_after_s=None: the delivery log reaches readers with the next publish, instead of every tick copying
    # the whole warehouse to its read copy.
    connect = partial(write_connection, warehouse, lock_timeout_s=LOCK_TIMEOUT_S, publish_after_s=None)
    try:
        report = deliver_pending(connect, config)
    except WarehouseLockedError:
        return dg.SkipReason(f"warehouse busy for over {LOCK_TIMEOUT_S:.0f} s (a run is writing); "
                             "pending notifications go out on the next tick")
    message = tick_message(config, report, configured=config_path().exists())
    context.log.info(message)
    return dg.SkipReason(message)


def tick_message(config: NotificationConfig, report: DeliveryReport, configured: bool) -> str:
    """What a tick did, in one line: what was delivered where, or that nothing was pending, and whether any
    channel is configured at all (without a configuration every event goes to the local log file)."""
    if not configured:
        log_path = next((getattr(channel, "path", None) for channel in config.channels.values()), None)
        where = f" to {log_path}" if log_path else ""
        count = report.total_delivered
        done = f"{count} event{'s' if count != 1 else ''} written{where}" if count else f"nothing new{where}"
        return f"No channel configured (no {config_path()}): {done}"
    if not (report.delivered or report.failed or report.gave_up):
        channels = ", ".join(sorted(config.channels)) or "none"
        subscriptions = len(config.subscriptions)
        return f"Nothing to deliver: no new events for {subscriptions} subscription(s) (channels: {channels})"
    return report.summary()
