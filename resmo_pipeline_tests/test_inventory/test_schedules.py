"""The polling schedule: enabled organizations once per interval slot, disabled ones never."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from resmo_pipeline.definitions import build_definitions
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.resources import AzureDevOpsResource
from resmo_pipeline.inventory.schedules import SCHEDULE_NAME, SLOT_TAG, inventory_poll_schedule, slot_of

TICK = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry(tmp_path / "integrations.json")
    registry.add(Integration(name="hourly", pat_env="RESMO_TEST_PAT"))
    registry.add(Integration(name="paused", pat_env="RESMO_TEST_PAT", enabled=False))
    registry.add(Integration(name="daily", pat_env="RESMO_TEST_PAT", interval_s=86400))
    return registry


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("organizations", ["hourly", "paused", "daily"])
        yield instance


def _tick(instance: dg.DagsterInstance, registry: Registry, when: datetime) -> tuple[dict[str, str], str | None]:
    with dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=when,
        resources={"azure_devops": AzureDevOpsResource(registry_path=str(registry.path))},
        repository_def=build_definitions().get_repository_def(),
    ) as context:
        data = inventory_poll_schedule.evaluate_tick(context)
    return {request.partition_key: request.run_key for request in data.run_requests or []}, data.skip_message


def _record_scheduled_run(instance: dg.DagsterInstance, organization: str, slot: int) -> None:
    create_run_for_test(
        instance,
        job_name="inventory_job",
        tags={"dagster/schedule_name": SCHEDULE_NAME, "dagster/partition": organization, SLOT_TAG: str(slot)},
    )


def test_first_tick_requests_every_enabled_organization(instance: dg.DagsterInstance, registry: Registry) -> None:
    requests, skip = _tick(instance, registry, TICK)

    assert skip is None
    assert requests == {
        "hourly": f"hourly:{slot_of(TICK, 3600)}",
        "daily": f"daily:{slot_of(TICK, 86400)}",
    }


def test_nothing_is_due_again_within_the_interval(instance: dg.DagsterInstance, registry: Registry) -> None:
    _record_scheduled_run(instance, "hourly", slot_of(TICK, 3600))
    _record_scheduled_run(instance, "daily", slot_of(TICK, 86400))

    requests, skip = _tick(instance, registry, TICK + timedelta(minutes=5))

    assert requests == {}
    assert skip is not None and "due" in skip


def test_each_organization_is_due_after_its_own_interval(instance: dg.DagsterInstance, registry: Registry) -> None:
    _record_scheduled_run(instance, "hourly", slot_of(TICK, 3600))
    _record_scheduled_run(instance, "daily", slot_of(TICK, 86400))

    later = TICK + timedelta(hours=1, minutes=5)
    requests, _ = _tick(instance, registry, later)

    assert requests == {"hourly": f"hourly:{slot_of(later, 3600)}"}


def test_disabled_organizations_are_skipped_and_enabled_ones_resume(
    instance: dg.DagsterInstance, registry: Registry
) -> None:
    registry.disable("hourly")
    registry.disable("daily")
    requests, skip = _tick(instance, registry, TICK)
    assert requests == {}
    assert skip is not None

    registry.enable("paused")
    requests, _ = _tick(instance, registry, TICK)
    assert set(requests) == {"paused"}
