"""A run's read-ahead holds a bounded amount of rows, and written rows are let go at once.

Against the simulated demo organization over HTTP: with a read-ahead budget the background reads stop starting
types while the results not yet taken hold more than the budget, a step that asks for a held-back type reads it
itself, and the warehouse IO manager empties what the asset handed it (Dagster keeps step outputs until the run
ends when a job runs in process).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pandas as pd
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory import session
from resmo_pipeline.inventory.assets import step_priority
from resmo_pipeline.inventory.session import RunCollection, read_ahead_budget_bytes
from resmo_pipeline.warehouse.access import writer_memory_limit
from resmo_pipeline.warehouse.io_manager import WriteOnce

TYPES = ["projects", "teams", "repositories", "groups", "users"]


def _started(collection: RunCollection) -> set[str]:
    return {name for name, future in collection._results.items() if future.running() or future.done()}


def _wait_until(condition: Any, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_a_full_budget_holds_back_later_types_and_a_step_reads_what_it_needs(demo_client: AzureDevOpsClient) -> None:
    # A one-byte budget: once one result is held, no further type starts in the background.
    collection = RunCollection(demo_client, TYPES, lambda _name: pd.DataFrame(), {}, parallel_types=1,
                               read_ahead_bytes=1)
    try:
        _wait_until(lambda: "organizations" not in collection._held and collection._held)
        time.sleep(0.3)  # were anything else admitted, it would have started by now
        held = set(collection._held)
        assert len(held) == 1
        assert collection.peak_held_bytes > 1
        first = next(iter(held))
        later = [name for name in collection.types if name not in held and name != "organizations"]
        # The single worker waits at the budget with the next type; the rest are not started.
        assert not _started(collection) & set(later[1:])

        # A step asking for a held-back type gets it (read in its own thread), not a deadlock.
        users = collection.take("users")
        assert len(users.rows) > 0 and "users" not in collection._held
        # Taking the held result frees the budget and the background reads go on.
        collection.take(first)
        assert first not in collection._held
        for name in collection.types:
            if collection.has(name):
                assert len(collection.take(name).rows) >= 0
    finally:
        collection.close()


def test_without_pressure_every_type_is_read_ahead(demo_client: AzureDevOpsClient) -> None:
    collection = RunCollection(demo_client, TYPES, lambda _name: pd.DataFrame(), {}, read_ahead_bytes=2**30)
    try:
        _wait_until(lambda: all(f.done() for f in collection._results.values()))
        assert set(collection._held) == set(collection.types)
        assert collection.peak_held_bytes == sum(collection._held.values()) > 0
        rows = {name: len(collection.take(name).rows) for name in collection.types}
        assert rows["projects"] > 0 and rows["users"] > 0
        assert collection._held == {}
    finally:
        collection.close()


def test_close_releases_reads_waiting_at_the_budget(demo_client: AzureDevOpsClient) -> None:
    collection = RunCollection(demo_client, TYPES, lambda _name: pd.DataFrame(), {}, parallel_types=2,
                               read_ahead_bytes=1)
    _wait_until(lambda: collection._held)
    closer = threading.Thread(target=collection.close)
    closer.start()
    closer.join(timeout=10)
    assert not closer.is_alive(), "close() waited for reads held back by the budget"


def test_the_budget_and_the_writer_memory_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(session.READ_AHEAD_ENV, raising=False)
    assert read_ahead_budget_bytes() == session.DEFAULT_READ_AHEAD_MB * 2**20
    monkeypatch.setenv(session.READ_AHEAD_ENV, "0")
    assert read_ahead_budget_bytes() == 0
    monkeypatch.setenv(session.READ_AHEAD_ENV, "lots")
    with pytest.raises(ValueError, match="RESMO_READ_AHEAD_MB='lots' is not a number"):
        read_ahead_budget_bytes()
    monkeypatch.setenv("RESMO_WAREHOUSE_MEMORY_MB", "512")
    assert writer_memory_limit() == "512MB"
    monkeypatch.setenv("RESMO_WAREHOUSE_MEMORY_MB", "16")
    with pytest.raises(ValueError, match="too small"):
        writer_memory_limit()


def test_rows_handed_to_the_io_manager_are_let_go_once_written() -> None:
    holder = WriteOnce(pd.DataFrame({"a": [1, 2, 3]}))
    assert holder.rows == 3 and "3 rows" in repr(holder)
    frame = holder.take()
    assert list(frame["a"]) == [1, 2, 3]
    assert "written" in repr(holder)
    with pytest.raises(RuntimeError, match="already written"):
        holder.take()


def test_steps_are_prioritised_in_catalog_order_with_the_types_read_per_user_last() -> None:
    per_user = [name for name, kind in RESOURCE_TYPES.items() if kind.is_read_per_user]
    others = [name for name in RESOURCE_TYPES if name not in per_user]
    assert per_user == ["personal_access_tokens"]
    priorities = [step_priority(name) for name in [*others, *per_user]]
    assert priorities == sorted(priorities, reverse=True) and len(set(priorities)) == len(RESOURCE_TYPES)
    assert all(step_priority(name) < step_priority(other) for name in per_user for other in others)
    for name, resource_type in RESOURCE_TYPES.items():
        for parent in resource_type.parents:
            assert step_priority(parent) > step_priority(name)
