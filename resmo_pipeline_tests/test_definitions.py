"""The code location: everything Dagster serves loads, and `dagster definitions validate` accepts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.definitions import build_definitions
from resmo_pipeline.inventory.assets import asset_key
from resmo_pipeline.inventory.jobs import INVENTORY_JOB
from resmo_pipeline.inventory.schedules import SCHEDULE_NAME
from resmo_pipeline.inventory.sensors import SENSOR_NAME

REPO = Path(__file__).resolve().parent.parent


def test_definitions_serve_every_inventory_asset_the_job_schedule_and_sensor(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path))
    defs = build_definitions()

    graph = defs.resolve_asset_graph()
    assert {asset_key(name) for name in RESOURCE_TYPES} <= set(graph.get_all_asset_keys())
    job = defs.resolve_job_def(INVENTORY_JOB)
    assert job.partitions_def is not None and job.partitions_def.name == "organizations"
    assert job.executor_def.name == "in_process"
    assert {asset_key(name) for name in RESOURCE_TYPES} <= set(job.asset_layer.selected_asset_keys)
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    io_manager = defs.resources["warehouse_io_manager"]
    assert Path(io_manager.database) == tmp_path / "warehouse.duckdb"


def test_dagster_definitions_validate_accepts_the_workspace(tmp_path: Path) -> None:
    env = {**os.environ, "RESMO_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).with_name("dagster")

    completed = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
