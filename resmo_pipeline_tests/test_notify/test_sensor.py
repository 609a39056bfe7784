"""notification_sensor as the daemon evaluates it: what its tick says with no warehouse, with pending events and
with a broken notifications.yaml."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from resmo_pipeline.definitions import build_definitions
from resmo_pipeline.history.scd2 import record_snapshot
from resmo_pipeline.notify import sensors
from resmo_pipeline.notify.config import CONFIG_ENV
from resmo_pipeline.notify.sensors import notification_sensor
from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline_tests.test_notify.receivers import HttpReceiver, start_http_receiver


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "resmo"
    monkeypatch.setenv("RESMO_HOME", str(path))
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    return path


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    started, server = start_http_receiver()
    yield started
    server.shutdown()


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


def tick(instance: dg.DagsterInstance) -> dg.SkipReason:
    """One evaluation of the sensor; its skip reason is what the UI shows for the tick."""
    with dg.build_sensor_context(instance=instance) as context:
        result = notification_sensor(context)
    assert isinstance(result, dg.SkipReason)
    return result


def write_config(home: Path, document: dict[str, Any] | str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "notifications.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))
    return path


NOTHING_FOR_HOOK = "Nothing to deliver: no new events for 1 subscription(s) (channels: hook)"


def changes_to(name: str, channel: dict[str, Any], **delivery: Any) -> dict[str, Any]:
    """A configuration sending every change event to one channel (subscription "changes")."""
    document: dict[str, Any] = {
        "channels": {name: channel},
        "subscriptions": [{"name": "changes", "events": ["change"], "channels": [name]}],
    }
    if delivery:
        document["delivery"] = delivery
    return document


def sync_service_connection(home: Path, shared: bool, at: datetime, count: int = 1) -> None:
    """Write service connections (the first is "prod-azure") into the warehouse the way a sync does: rows
    replaced, history recorded."""
    names = ["prod-azure", *(f"connection-{n}" for n in range(2, count + 1))]
    rows = [("contoso", f"sc-{n}", name, shared, at, f'{{"id": "sc-{n}", "name": "{name}", '
             f'"isShared": {str(shared).lower()}}}') for n, name in enumerate(names, start=1)]
    with write_connection(home / "warehouse.duckdb", publish_after_s=None) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS azure_devops")
        conn.execute("CREATE TABLE IF NOT EXISTS azure_devops.service_connections (organization VARCHAR, "
                     "resource_id VARCHAR, name VARCHAR, is_shared BOOLEAN, fetched_at TIMESTAMP, raw JSON)")
        conn.execute("DELETE FROM azure_devops.service_connections")
        conn.executemany("INSERT INTO azure_devops.service_connections VALUES (?, ?, ?, ?, ?, ?)", rows)
        record_snapshot(conn, "service_connections", "contoso", f"run-{shared}", at)


def test_the_sensor_is_served_by_the_definitions(home: Path) -> None:
    sensor = build_definitions().resolve_sensor_def("notification_sensor")

    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_without_a_warehouse_the_tick_says_nothing_was_synced(home: Path, instance: dg.DagsterInstance) -> None:
    assert tick(instance).skip_message == "no warehouse yet: nothing has been synced"


def test_pending_events_are_delivered_once_and_reported_in_the_tick(
    home: Path, receiver: HttpReceiver, instance: dg.DagsterInstance
) -> None:
    write_config(home, changes_to("hook", {"type": "webhook", "url": f"{receiver.url}/hook"}))
    now = datetime.now(UTC).replace(tzinfo=None)
    sync_service_connection(home, shared=False, at=now - timedelta(minutes=10))  # the baseline: not news
    assert tick(instance).skip_message == NOTHING_FOR_HOOK

    sync_service_connection(home, shared=True, at=now)

    assert tick(instance).skip_message == "hook: 1 delivered"
    [body] = receiver.bodies()
    [event] = body["events"]
    assert (event["kind"], event["resource_name"], event["changed_fields"]) == ("change", "prod-azure", ["isShared"])
    assert tick(instance).skip_message == NOTHING_FOR_HOOK
    assert len(receiver.requests) == 1


def test_a_long_digest_lists_fifty_events_and_counts_the_rest(
    home: Path, receiver: HttpReceiver, instance: dg.DagsterInstance
) -> None:
    write_config(home, changes_to("hook", {"type": "webhook", "url": f"{receiver.url}/hook"}))
    now = datetime.now(UTC).replace(tzinfo=None)
    sync_service_connection(home, shared=False, at=now - timedelta(minutes=10), count=60)
    sync_service_connection(home, shared=True, at=now, count=60)

    assert tick(instance).skip_message == "hook: 60 delivered"

    [body] = receiver.bodies()
    assert body["title"] == "[contoso] 60 events: 50 change, 10 more"
    assert (len(body["events"]), body["omitted_events"], body["digest"]) == (50, 10, True)


def test_a_channel_missing_its_secret_is_reported_as_failing_without_the_secret(
    home: Path, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch, instance: dg.DagsterInstance
) -> None:
    monkeypatch.delenv("RESMO_TEST_SLACK_URL", raising=False)
    write_config(home, changes_to("chat", {"type": "slack", "url_env": "RESMO_TEST_SLACK_URL"}))
    now = datetime.now(UTC).replace(tzinfo=None)
    sync_service_connection(home, shared=False, at=now - timedelta(minutes=10))
    sync_service_connection(home, shared=True, at=now)

    assert tick(instance).skip_message == "chat: 1 failed (will retry)"

    monkeypatch.setenv("RESMO_TEST_SLACK_URL", f"{receiver.url}/services/T000/B000/not-a-real-token")
    write_config(home, changes_to("chat", {"type": "slack", "url_env": "RESMO_TEST_SLACK_URL"}, retry_after_s=0))
    assert tick(instance).skip_message == "chat: 1 delivered"
    assert "prod-azure" in receiver.bodies()[0]["text"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("channels: [unclosed", "not valid YAML"),
        ({"channels": {"pager": {"type": "carrier_pigeon"}}}, "channel 'pager' has unknown type 'carrier_pigeon'"),
        ({"channels": {"log": {"type": "log"}}, "subscriptions": [{"name": "all", "channels": ["slack"]}]},
         "subscription 'all' must name channels defined under 'channels'"),
        ({"channels": {"log": {"type": "log"}}, "subscriptions": [{"events": ["deleted"], "channels": ["log"]}]},
         "unknown event(s) ['deleted']"),
    ],
)
def test_a_broken_configuration_gives_a_clear_skip_reason(
    home: Path, document: dict[str, Any] | str, expected: str, instance: dg.DagsterInstance
) -> None:
    path = write_config(home, document)
    sync_service_connection(home, shared=False, at=datetime.now(UTC).replace(tzinfo=None))

    message = tick(instance).skip_message or ""

    assert message.startswith(f"notification configuration invalid: {path}")
    assert expected in message


def test_a_warehouse_held_by_a_run_delays_delivery_to_the_next_tick(
    home: Path, receiver: HttpReceiver, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(home, changes_to("hook", {"type": "webhook", "url": f"{receiver.url}/hook"}))
    now = datetime.now(UTC).replace(tzinfo=None)
    sync_service_connection(home, shared=False, at=now - timedelta(minutes=10))
    sync_service_connection(home, shared=True, at=now)
    monkeypatch.setattr(sensors, "LOCK_TIMEOUT_S", 0.5)
    # Another process (as a run would) holds DuckDB's write lock on the file until told to let go.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.readline()", str(home / "warehouse.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = tick(instance).skip_message or ""
    finally:
        holder.communicate("\n", timeout=30)

    assert busy.startswith("warehouse busy")
    assert not receiver.requests
    assert tick(instance).skip_message == "hook: 1 delivered"


def test_without_a_configuration_the_tick_says_so_and_where_events_went(
    home: Path, instance: dg.DagsterInstance
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    sync_service_connection(home, shared=False, at=now - timedelta(minutes=10))
    log_path = home / "notifications.log"
    assert tick(instance).skip_message == (
        f"No channel configured (no {home / 'notifications.yaml'}): nothing new to {log_path}"
    )
    sync_service_connection(home, shared=True, at=now)
    assert tick(instance).skip_message == (
        f"No channel configured (no {home / 'notifications.yaml'}): 1 event written to {log_path}"
    )
    assert "prod-azure" in log_path.read_text()
