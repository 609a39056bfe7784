"""Fixtures for the compliance tests: a warehouse filled from the simulated demo organization.

The demo organization is collected once per session over HTTP (simulator → client → `collect_all`) and written
to a DuckDB file with the warehouse's own helpers; each test gets its own copy of that file.
"""

import datetime as dt
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.inventory.collect import CollectionResult, collect_all
from resmo_pipeline.permissions.assets import EVALUATED_TABLES
from resmo_pipeline.permissions.evaluate import evaluate as evaluate_permissions
from resmo_pipeline.permissions.inputs import load_inputs
from resmo_pipeline.permissions.roles import evaluate_roles
from resmo_pipeline.permissions.views import ensure_views
from resmo_pipeline.simulator import Simulator
from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.schema import ensure_table, record_collection_run

ORGANIZATION = "contoso"
DATA = Path(__file__).parent / "data"


def write_inventory(
    path: Path,
    results: Mapping[str, CollectionResult],
    organization: str = ORGANIZATION,
    statuses: Mapping[str, tuple[str, str | None]] | None = None,
) -> None:
    """Write collected rows as the inventory assets would, recording each type in meta.collection_runs.

    ``statuses`` overrides the recorded status of some types: {type: (status, required_scope)}; a type that
    is not "collected" gets no rows, like a refused collection.
    """
    statuses = statuses or {}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with write_connection(path, publish_after_s=None) as conn:
        for name, result in results.items():
            status, scope = statuses.get(name, ("collected", None))
            ensure_table(conn, "azure_devops", name, result.column_types)
            conn.execute(f'DELETE FROM azure_devops."{name}" WHERE organization = ?', [organization])
            if status == "collected":
                conn.from_df(result.rows.assign(organization=organization)).query(
                    "frame", f'INSERT INTO azure_devops."{name}" BY NAME SELECT * FROM frame'
                ).fetchall()
            record_collection_run(
                conn,
                organization=organization,
                resource_type=name,
                run_id="fixture",
                started_at=now,
                finished_at=now,
                status=status,
                rows=len(result.rows) if status == "collected" else 0,
                required_scope=scope,
            )


def write_permissions(path: Path, organization: str = ORGANIZATION) -> None:
    """Evaluate the inventory in ``path`` and write the permission tables and views as the permission assets do
    (replacing the organization's rows)."""
    source = duckdb.connect(str(path), read_only=True)
    try:
        inputs = load_inputs(source, organization)
    finally:
        source.close()
    try:
        result = evaluate_permissions(inputs, organization)
        roles = evaluate_roles(inputs, organization)
    finally:
        inputs.close()
    ensure_views(str(path), EVALUATED_TABLES)
    with write_connection(path, publish_after_s=None) as conn:
        for table, frame in (("effective_permissions", result.permissions), ("permission_objects", result.objects),
                             ("effective_roles", roles)):
            conn.execute(f"DELETE FROM azure_devops.{table} WHERE organization = ?", [organization])
            conn.register("frame", frame)
            conn.execute(f"INSERT INTO azure_devops.{table} BY NAME SELECT * FROM frame")
            conn.unregister("frame")



@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No rules directory, parameter file or suppressions from the developer's environment leak in."""
    monkeypatch.setenv("RESMO_HOME", str(tmp_path / "home"))
    for variable in ("RESMO_RULES_DIR", "RESMO_RULES_CONFIG", "RESMO_SUPPRESSIONS"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(scope="session")
def demo_collection(simulator: Simulator) -> dict[str, CollectionResult]:
    """Every resource type of the demo organization, collected from the simulator over HTTP."""
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url) as client:
        return collect_all(client)


@pytest.fixture(scope="session")
def demo_warehouse_template(
    tmp_path_factory: pytest.TempPathFactory, demo_collection: dict[str, CollectionResult]
) -> Path:
    path = tmp_path_factory.mktemp("demo-warehouse") / "warehouse.duckdb"
    write_inventory(path, demo_collection)
    write_permissions(path)  # the permission step runs in every sync; the perm.* rules read its tables
    return path


@pytest.fixture
def demo_warehouse(tmp_path: Path, demo_warehouse_template: Path) -> Iterator[Path]:
    """A private copy of the demo warehouse (tests may change it)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse_template, path)
    yield path
