"""Fixtures shared by the whole suite.

`simulator`: one running demo-preset simulated Azure DevOps organization for the session (read-only use:
tests that change its data through the admin API should start their own with `run_simulator`).
`resmo_home`: a fresh RESMO_HOME (registry, warehouse, Dagster instance, token caches) for one test.
`demo_home`: a RESMO_HOME holding the demo's warehouse, made once per session by `resmo-pipeline demo --no-ui` in a
new process, as `make demo NO_UI=1` makes it (its own simulator, a real sync through Dagster, rules, history and
the demo's change). Tests only read it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from resmo_pipeline.instance import get_instance
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline_tests.cli_support import run_cli


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """A running demo-preset simulator (organization "contoso", seed 7) on 127.0.0.1."""
    with run_simulator(preset="demo", organization="contoso", seed=7) as sim:
        yield sim


@pytest.fixture(scope="session")
def dagster_storage_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised, empty Dagster storage folder: creating one costs seconds, copying it milliseconds."""
    home = tmp_path_factory.mktemp("template-resmo-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESMO_HOME", str(home))
        patch.setenv("DAGSTER_HOME", str(home / "dagster"))
        with get_instance() as instance:
            instance.get_dynamic_partitions("organizations")
    return home / "dagster" / "storage"


@pytest.fixture
def resmo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dagster_storage_template: Path) -> Iterator[Path]:
    """A fresh RESMO_HOME; DAGSTER_HOME (which the instance helper sets) is restored after the test."""
    home = tmp_path / "resmo"
    shutil.copytree(dagster_storage_template, home / "dagster" / "storage")
    monkeypatch.setenv("RESMO_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    yield home


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RESMO_HOME holding the demo's warehouse (read-only use)."""
    home = tmp_path_factory.mktemp("demo-home")
    completed = run_cli(home, "demo", "--no-ui", timeout=280)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return home
