"""Fixtures for warehouse tests: a Dagster instance with the test organizations, and a warehouse path."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    """One Dagster instance per test module, with the organizations used by the tests."""
    # Dagster's event log (SQLite) syncs to disk on every event; on tmpfs the runs are several times faster.
    shared_memory = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=shared_memory) as home, dg.instance_for_test(temp_dir=home) as inst:
        inst.add_dynamic_partitions("organizations", ["contoso", "fabrikam"])
        yield inst


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"
