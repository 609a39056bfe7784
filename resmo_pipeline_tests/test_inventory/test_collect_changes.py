"""Collection over a changing organization: changes show up in the rows, a parent that vanishes mid-sync is a
warning, the audit log is read incrementally, and `collect_all` brings in parents and honours the switch for
internal endpoints. Uses its own simulator because it changes the data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory.collect import collect, collect_all
from resmo_pipeline.simulator import Simulator, run_simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with run_simulator(preset="demo", organization="Fabrikam", seed=11) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def client(sim: Simulator) -> Iterator[AzureDevOpsClient]:
    with AzureDevOpsClient(sim.organization, PatCredential(sim.pat), base_url=sim.base_url) as api:
        yield api


def change(sim: Simulator, **body: Any) -> dict[str, Any]:
    response = requests.post(f"{sim.admin_url}/changes", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_collect_all_adds_missing_parents_and_lowercases_the_organization(client: AzureDevOpsClient) -> None:
    results = collect_all(client, ["branches"])
    assert list(results) == ["repositories", "branches"]
    assert set(results["branches"].rows["repository_id"]) <= set(results["repositories"].rows["id"])
    assert set(results["branches"].rows["organization"]) == {"fabrikam"}


def test_internal_types_are_skipped_when_switched_off(client: AzureDevOpsClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_INTERNAL_APIS", "off")
    results = collect_all(client)
    internal = {name for name, rt in RESOURCE_TYPES.items() if rt.internal}
    assert "organization_policies" in internal
    assert set(results) == set(RESOURCE_TYPES) - internal


def test_a_granted_resource_shows_up_as_authorized_for_all_pipelines(sim: Simulator,
                                                                      client: AzureDevOpsClient) -> None:
    results = collect_all(client, ["pipeline_permissions"])
    permissions = results["pipeline_permissions"].rows
    connections = results["service_connections"].rows
    denied = permissions[(permissions["resource_type"] == "endpoint") & ~permissions["all_pipelines_authorized"]]
    assert len(denied) > 0
    target = denied.iloc[0]
    name = connections.set_index("id").loc[target["resource_id_ref"], "name"]
    project = next(p["name"] for p in sim.state.projects if p["id"] == target["project_id"])
    change(sim, action="grant_all_pipelines", project=project, resource_type="endpoint", resource=name)
    again = collect("pipeline_permissions", client, {n: results[n].parent_rows()
                                                      for n in RESOURCE_TYPES["pipeline_permissions"].parents})
    row = again.rows.set_index("resource_id").loc[target["resource_id"]]
    assert bool(row["all_pipelines_authorized"]) is True


def test_the_audit_log_since_the_newest_entry_returns_only_the_new_change(sim: Simulator,
                                                                         client: AzureDevOpsClient) -> None:
    before = collect("audit_log", client).rows
    newest = before["timestamp"].max().to_pydatetime()
    project = sim.state.projects[0]["name"]
    entry = change(sim, action="create_repository", project=project, name="audit-probe")["auditEntry"]
    newer = collect("audit_log", client, since=newest).rows
    assert list(newer["id"]) == [entry["id"]]
    assert newer.iloc[0]["action_id"] == "Git.RepositoryCreated"
    assert any(newer.iloc[0]["action_id"].startswith(prefix) for prefix in RESOURCE_TYPES["repositories"].audit_actions)


def test_a_parent_deleted_during_the_sync_is_a_warning(sim: Simulator, client: AzureDevOpsClient) -> None:
    repositories = collect("repositories", client)
    doomed = repositories.rows[~repositories.rows["is_disabled"].fillna(False).astype(bool)].iloc[0]
    change(sim, action="delete_repository", project=doomed["project_name"], repository=doomed["id"])
    branches = collect("branches", client, {"repositories": repositories.parent_rows()})
    assert doomed["id"] not in set(branches.rows["repository_id"])
    assert len(branches.rows) > 0
    assert any("not found" in warning for warning in branches.warnings)
