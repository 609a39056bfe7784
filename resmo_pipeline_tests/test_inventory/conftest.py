"""Fixtures for the Dagster side of the inventory: simulated organizations over HTTP, RESMO_HOME in tmp_path,
registered integrations, and materializing resource types into a real DuckDB file on a test instance."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.assets import IO_MANAGER_KEY, asset_key, build_inventory_assets
from resmo_pipeline.inventory.partitions import ensure_organizations
from resmo_pipeline.inventory.resources import AzureDevOpsResource
from resmo_pipeline.simulator import run_simulator
from resmo_pipeline.warehouse import ResmoDuckDBIOManager
from resmo_pipeline.warehouse.resource import WarehouseResource

# Tests must not wait for production back-off: one quick step retry, and a client that gives up within seconds.
FAST_RETRY = dg.RetryPolicy(max_retries=1, delay=0.1)
TEST_ASSETS = build_inventory_assets(retry_policy=FAST_RETRY)


@pytest.fixture(scope="module")
def demo_sim() -> Iterator[Any]:
    """A demo-preset simulated organization `contoso`, shared by the tests of one module."""
    with run_simulator(preset="demo", organization="contoso") as sim:
        yield sim


@pytest.fixture
def demo_client(demo_sim: Any) -> Iterator[AzureDevOpsClient]:
    """A full-scope PAT client of the demo organization (one connection pool per test)."""
    with AzureDevOpsClient(demo_sim.organization, PatCredential(demo_sim.pat), base_url=demo_sim.base_url) as client:
        yield client


@dataclass
class Harness:
    """A fresh installation: RESMO_HOME, registry, warehouse file and a Dagster test instance."""

    home: Path
    instance: dg.DagsterInstance
    monkeypatch: pytest.MonkeyPatch

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def registry(self) -> Registry:
        return Registry(self.home / "integrations.json")

    def connect(self, sim: Any, pat: str | None = None, **settings: Any) -> str:
        """Register the simulator's organization with a PAT (default: full scope) read from an env var."""
        organization = sim.organization.lower()
        variable = f"RESMO_TEST_PAT_{organization.upper().replace('-', '_')}"
        self.monkeypatch.setenv(variable, pat or sim.pat)
        registry = self.registry
        if any(existing.name == organization for existing in registry.list()):
            registry.delete(organization)
        registry.add(Integration(name=organization, auth="pat", base_url=sim.base_url, pat_env=variable, **settings))
        ensure_organizations(self.instance, [organization])
        return organization

    def seed(self, synced: Synced) -> None:
        """Start from a copy of a fully synced warehouse."""
        shutil.copyfile(synced.warehouse, self.warehouse)

    def set_pat(self, organization: str, pat: str) -> None:
        """Swap the secret behind an organization's PAT variable (as rotating it in the environment would)."""
        self.monkeypatch.setenv(self.registry.get(organization).pat_env or "", pat)

    def resources(self, retry_budget_s: float = 2.0, read_ahead: bool = True) -> dict[str, Any]:
        return {
            IO_MANAGER_KEY: ResmoDuckDBIOManager(database=str(self.warehouse)),
            "warehouse": WarehouseResource(path=str(self.warehouse)),
            "azure_devops": AzureDevOpsResource(
                registry_path=str(self.home / "integrations.json"),
                retry_budget_s=retry_budget_s,
                timeout_s=5,
                read_ahead=read_ahead,
            ),
        }

    def materialize(
        self, organization: str, types: Sequence[str] | None = None, **resource_options: Any
    ) -> dg.ExecuteInProcessResult:
        """Materialize ``types`` (default: every type) for one organization; failures are returned, not raised."""
        return dg.materialize(
            TEST_ASSETS,
            instance=self.instance,
            partition_key=organization,
            selection=[asset_key(name) for name in types] if types else None,
            resources=self.resources(**resource_options),
            raise_on_error=False,
        )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run SQL on the warehouse file (only between runs: no writer is active then)."""
        conn = duckdb.connect(str(self.warehouse))
        try:
            return conn.execute(sql, list(params)).fetchall()
        finally:
            conn.close()

    def rows(self, table: str, organization: str) -> list[tuple[Any, ...]]:
        """An organization's rows of azure_devops.<table>, sorted, without fetched_at (comparable across runs)."""
        return self.query(
            f"select * exclude (fetched_at) from azure_devops.{table} where organization = ? order by resource_id",
            [organization],
        )

    def runs(self, organization: str) -> dict[str, tuple[Any, ...]]:
        """The latest meta.collection_runs row per type: (status, rows, required_scope, error)."""
        found = self.query(
            "select resource_type, status, rows, required_scope, error from meta.collection_runs "
            "where organization = ? order by finished_at",
            [organization],
        )
        return {row[0]: row[1:] for row in found}


@pytest.fixture(scope="module")
def dagster_instance() -> Iterator[dg.DagsterInstance]:
    """One Dagster test instance per module (runs and partitions only; each test has its own warehouse)."""
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dagster_instance: dg.DagsterInstance) -> Harness:
    """A fresh RESMO_HOME under tmp_path."""
    home = tmp_path / "resmo"
    home.mkdir()
    monkeypatch.setenv("RESMO_HOME", str(home))
    return Harness(home=home, instance=dagster_instance, monkeypatch=monkeypatch)


@dataclass
class Synced:
    """A warehouse holding a full sync of the demo organization, and the run that wrote it."""

    warehouse: Path
    organization: str
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="module")
def synced(demo_sim: Any, dagster_instance: dg.DagsterInstance, tmp_path_factory: pytest.TempPathFactory) -> Synced:
    """Every type of the demo organization materialized once; tests start from a copy of its warehouse."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        home = tmp_path_factory.mktemp("synced")
        monkeypatch.setenv("RESMO_HOME", str(home))
        harness = Harness(home=home, instance=dagster_instance, monkeypatch=monkeypatch)
        organization = harness.connect(demo_sim)
        result = harness.materialize(organization)
    return Synced(warehouse=harness.warehouse, organization=organization, result=result)
