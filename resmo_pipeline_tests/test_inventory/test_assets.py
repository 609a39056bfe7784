"""Inventory assets materialized for real: simulator over HTTP, DuckDB file in tmp_path, Dagster test instance."""

from __future__ import annotations

import subprocess
import sys
from contextlib import ExitStack
from typing import Any

import dagster as dg

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory import progress
from resmo_pipeline.inventory.assets import asset_key
from resmo_pipeline.simulator import run_simulator
from resmo_pipeline.warehouse import read_connection
from resmo_pipeline_tests.test_inventory.conftest import TEST_ASSETS, Harness, Synced


def _materialization(result: dg.ExecuteInProcessResult, name: str) -> dict[str, Any]:
    events = result.asset_materializations_for_node(f"azure_devops__{name}")
    assert events, f"no materialization of {name}"
    return {key: value.value for key, value in events[-1].metadata.items()}


def test_every_type_is_collected_from_the_demo_organization(harness: Harness, synced: Synced) -> None:
    harness.seed(synced)
    organization, result = synced.organization, synced.result

    assert result.success
    runs = harness.runs(organization)
    for name in RESOURCE_TYPES:
        count = harness.query(f"select count(*) from azure_devops.{name} where organization = ?", [organization])
        assert count[0][0] > 0, f"azure_devops.{name} is empty"
        assert runs[name][0] == "collected", name
        assert runs[name][1] == count[0][0], name
    repositories = _materialization(result, "repositories")
    assert repositories["status"] == "collected"
    assert repositories["dagster/row_count"] == runs["repositories"][1]
    assert repositories["requests"] >= 1


def test_a_pat_lacking_a_scope_keeps_earlier_rows_and_the_run_succeeds(
    harness: Harness, demo_sim: Any, synced: Synced
) -> None:
    organization = harness.connect(demo_sim)
    harness.seed(synced)
    before = harness.rows("repositories", organization)
    assert before

    harness.set_pat(organization, demo_sim.issue_pat(scopes=("vso.project",)))
    result = harness.materialize(organization, ["projects", "repositories"])

    assert result.success
    assert harness.rows("repositories", organization) == before
    status, rows, scope, _error = harness.runs(organization)["repositories"]
    assert (status, rows, scope) == ("not_collected", 0, RESOURCE_TYPES["repositories"].required_scope)
    metadata = _materialization(result, "repositories")
    assert metadata["status"] == "not_collected"
    assert metadata["missing_scope"] == RESOURCE_TYPES["repositories"].required_scope
    assert harness.runs(organization)["projects"][0] == "collected"


def test_types_read_per_row_of_a_refused_type_use_its_stored_rows_or_are_not_collected(
    harness: Harness, demo_sim: Any, synced: Synced
) -> None:
    child, parent = "personal_access_tokens", "users"
    organization = harness.connect(demo_sim, pat=demo_sim.issue_pat(scopes=(RESOURCE_TYPES[child].required_scope,)))
    scope = RESOURCE_TYPES[parent].required_scope

    # No users stored yet: their tokens cannot be read either, and the run says why.
    assert harness.materialize(organization, [parent, child]).success
    assert harness.runs(organization)[child][:3] == ("not_collected", 0, scope)

    # With users stored by an earlier sync, their tokens are read for those users.
    harness.seed(synced)
    assert harness.materialize(organization, [parent, child]).success
    assert harness.runs(organization)[parent][:3] == ("not_collected", 0, scope)
    status, rows, _scope, _error = harness.runs(organization)[child]
    assert status == "collected" and rows == len(harness.rows(child, organization)) > 0


def test_a_failure_half_way_leaves_the_partition_unchanged(harness: Harness) -> None:
    types = ["projects", "repositories"]
    with ExitStack() as stack:
        sim = stack.enter_context(run_simulator(preset="demo", organization="halfway"))
        organization = harness.connect(sim)
        assert harness.materialize(organization, types).success
        before = {name: harness.rows(name, organization) for name in types}

        def stop_service_after_projects(event: progress.TypeProgress) -> None:
            if event.resource_type == "projects":
                stack.close()

        # Read type by type (no read-ahead), so the service is gone exactly when repositories are read.
        with progress.listening(stop_service_after_projects):
            result = harness.materialize(organization, types, retry_budget_s=0.5, read_ahead=False)

    assert not result.success
    assert harness.runs(organization)["projects"][0] == "collected"
    assert harness.runs(organization)["repositories"][0] == "failed"
    assert harness.rows("repositories", organization) == before["repositories"]


def test_a_throttled_sync_still_completes(harness: Harness) -> None:
    # Two types read exactly (projects, then repositories per project): a handful of requests, over a limit of 3.
    limits = {"limit": 3, "window_s": 2, "cost": 1, "delay_per_tstu_s": 0.02, "max_delay_s": 0.3}
    with run_simulator(preset="demo", organization="throttled", rate_limit=True, rate_limit_config=limits) as sim:
        organization = harness.connect(sim)
        result = harness.materialize(organization, ["projects", "repositories"], retry_budget_s=60)
        throttled = sim.stats()["throttled"]

    assert result.success
    assert throttled["delayed"] + throttled["blocked"] > 0
    assert harness.runs(organization)["repositories"][0] == "collected"
    assert harness.query("select count(*) from azure_devops.repositories")[0][0] > 0


def test_two_organizations_side_by_side(harness: Harness, demo_sim: Any, synced: Synced) -> None:
    first = harness.connect(demo_sim)
    harness.seed(synced)
    with run_simulator(preset="demo", organization="fabrikam", seed=11) as other:
        second = harness.connect(other)
        assert harness.materialize(second, ["projects"]).success
        second_rows = harness.rows("projects", second)

        assert harness.materialize(first, ["projects"]).success

    counts = dict(harness.query("select organization, count(*) from azure_devops.projects group by all"))
    assert set(counts) == {first, second}
    assert all(count > 0 for count in counts.values())
    assert harness.rows("projects", second) == second_rows


def test_audit_log_is_appended_incrementally(harness: Harness, demo_sim: Any, synced: Synced) -> None:
    organization = harness.connect(demo_sim)
    harness.seed(synced)
    first = harness.query("select count(*), count(distinct resource_id) from azure_devops.audit_log")[0]

    result = harness.materialize(organization, ["audit_log"])
    second = harness.query("select count(*), count(distinct resource_id) from azure_devops.audit_log")[0]

    assert result.success
    assert first[0] > 0
    assert _materialization(result, "audit_log")["dagster/row_count"] == 0  # only newer entries were read
    assert second == first  # nothing new happened: nothing duplicated, nothing lost


def test_assets_carry_catalog_metadata() -> None:
    by_key = {next(iter(asset.keys)): asset for asset in TEST_ASSETS}
    assert set(by_key) == {asset_key(name) for name in RESOURCE_TYPES}
    for name, resource_type in RESOURCE_TYPES.items():
        spec = next(iter(by_key[asset_key(name)].specs))
        assert spec.group_name == resource_type.area
        assert spec.description == resource_type.description
        assert spec.partitions_def is not None and spec.partitions_def.name == "organizations"
        assert spec.metadata["partition_expr"] == "organization"
        columns = [column.name for column in spec.metadata["dagster/column_schema"].columns]
        assert columns == list(resource_type.column_types)
        assert {asset_key(parent) for parent in resource_type.parents} <= {dep.asset_key for dep in spec.deps}
        assert set(spec.kinds) == {"azure_devops", "duckdb"}


READER = """
import pathlib, sys, time
from resmo_pipeline.warehouse import read_connection

warehouse, stop = sys.argv[1], pathlib.Path(sys.argv[2])
with read_connection(warehouse) as conn:
    print("open", flush=True)
    counts = set()
    deadline = time.monotonic() + 120
    while not stop.exists() and time.monotonic() < deadline:
        counts.add(conn.execute("select count(*) from azure_devops.repositories").fetchall()[0][0])
        time.sleep(0.02)
    print(",".join(str(count) for count in sorted(counts)), flush=True)
"""


def test_a_reader_holding_the_read_path_open_never_breaks_a_sync(
    harness: Harness, demo_sim: Any, synced: Synced
) -> None:
    organization = harness.connect(demo_sim)
    harness.seed(synced)
    expected = harness.query("select count(*) from azure_devops.repositories")[0][0]
    stop = harness.home / "stop-reader"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(harness.warehouse), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        result = harness.materialize(organization, ["projects", "repositories"])
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)

    assert result.success
    assert reader.returncode == 0
    assert out.strip() == str(expected)  # the reader kept one consistent view the whole time
    with read_connection(harness.warehouse) as conn:
        runs = conn.execute(
            "select count(*) from meta.collection_runs where run_id = ? and status = 'collected'", [result.run_id]
        ).fetchall()
    assert runs == [(2,)]  # a new reader sees the sync's writes


def test_a_warehouse_written_by_an_older_catalog_is_upgraded_in_place(
    harness: Harness, demo_sim: Any, synced: Synced
) -> None:
    organization = harness.connect(demo_sim)
    harness.seed(synced)
    newest_column = RESOURCE_TYPES["projects"].columns[-1].name
    harness.query(f"alter table azure_devops.projects drop column {newest_column}")

    assert harness.materialize(organization, ["projects"]).success

    columns = [row[0] for row in harness.query("describe azure_devops.projects")]
    assert newest_column in columns
    assert harness.query(f"select count(*) from azure_devops.projects where {newest_column} is not null")[0][0] > 0
