"""The Dagster sensor that delivers notifications: it runs in the daemon, visible under Automation in the UI."""

from __future__ import annotations

import os
from functools import partial

import dagster as dg

from resmo_pipeline import settings
from resmo_pipeline.notify.config import NotificationConfigError, load_config
from resmo_pipeline.notify.deliver import deliver_pending
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
    context.log.info(report.summary())
    return dg.SkipReason(report.summary())
