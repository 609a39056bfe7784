"""Regular polling: each enabled organization is synced once per its interval (default hourly).

The schedule ticks every five minutes and asks the integrations registry which organizations are due. Time is
cut into slots of each organization's interval; an organization is due when no run of this schedule exists yet
for its current slot. A new organization is therefore synced at the next tick, a daemon that was down catches up
once (not once per missed slot), and disabled organizations are skipped.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg

from resmo_pipeline.inventory.jobs import inventory_job
from resmo_pipeline.inventory.resources import AzureDevOpsResource

SCHEDULE_NAME = "inventory_poll_schedule"
SLOT_TAG = "resmo/slot"
TICK_CRON = "*/5 * * * *"


def slot_of(moment: datetime, interval_s: int) -> int:
    """The number of the interval-long time slot ``moment`` falls in (slot boundaries at multiples of it)."""
    return int(moment.timestamp()) // interval_s


def last_requested_slot(instance: dg.DagsterInstance, organization: str) -> int | None:
    """The slot of this schedule's most recent run for ``organization`` (None when it never ran)."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(tags={"dagster/schedule_name": SCHEDULE_NAME, "dagster/partition": organization}),
        limit=1,
    )
    if not runs or SLOT_TAG not in runs[0].tags:
        return None
    return int(runs[0].tags[SLOT_TAG])


@dg.schedule(
    name=SCHEDULE_NAME,
    cron_schedule=TICK_CRON,
    job=inventory_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sync every enabled organization once per its polling interval (integrations registry).",
)
def inventory_poll_schedule(
    context: dg.ScheduleEvaluationContext, azure_devops: AzureDevOpsResource
) -> Iterator[dg.RunRequest | dg.SkipReason]:
    """One run request per enabled organization whose current interval slot has no run yet."""
    now = context.scheduled_execution_time or datetime.now(UTC)
    due = 0
    for integration in azure_devops.enabled_integrations():
        slot = slot_of(now, integration.interval_s)
        last = last_requested_slot(context.instance, integration.name)
        if last is not None and last >= slot:
            continue
        due += 1
        yield dg.RunRequest(
            partition_key=integration.name,
            run_key=f"{integration.name}:{slot}",
            tags={SLOT_TAG: str(slot)},
        )
    if not due:
        yield dg.SkipReason("No enabled organization is due for its polling interval.")
