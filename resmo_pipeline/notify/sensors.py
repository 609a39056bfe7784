"""The Dagster sensor that delivers notifications: it runs in the daemon, visible under Automation in the UI."""

from __future__ import annotations

import os
from functools import partial

import dagster as dg

from resmo_pipeline import settings
from resmo_pipeline.notify.config import NotificationConfigError, load_config
from resmo_pipeline.notify.deliver import deliver_pending
from resmo_pipeline.warehouse.access import write_connection

INTERVAL_ENV = "RESMO_NOTIFY_INTERVAL_S"


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
    report = deliver_pending(partial(write_connection, warehouse), config)
    context.log.info(report.summary())
    return dg.SkipReason(report.summary())
