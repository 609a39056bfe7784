"""Each integrations test gets its own RESMO_HOME (registry, warehouse, Dagster instance, token caches)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def resmo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh RESMO_HOME; DAGSTER_HOME (which the instance helper sets) is restored after the test."""
    home = tmp_path / "resmo"
    monkeypatch.setenv("RESMO_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    yield home

