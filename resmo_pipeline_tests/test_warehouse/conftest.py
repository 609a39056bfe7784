"""Fixtures for warehouse tests: a Dagster instance with the test organizations, and a warehouse path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    """One Dagster instance per test module, with the organizations used by the tests."""
    with dg.instance_for_test() as inst:
        inst.add_dynamic_partitions("organizations", ["contoso", "fabrikam"])
        yield inst


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"
