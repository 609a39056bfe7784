"""Changes over time through `POST /_simulator/changes`: the state changes, the API shows it, the audit log says so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from resmo_pipeline.simulator import Simulator, run_simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A demo organization of its own: these tests change it."""
    with run_simulator(preset="demo", organization="contoso", seed=7) as simulator:
        yield simulator


def change(sim: Simulator, **body: Any) -> requests.Response:
    return requests.post(f"{sim.admin_url}/changes", json=body, timeout=30)


def api(sim: Simulator, host: str, path: str, version: str = "7.1", **params: str) -> Any:
    response = requests.get(f"{sim.base_url}/{host}/{sim.organization}/{path}",
                            params={**params, "api-version": version}, auth=("", sim.pat), timeout=30)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def newest_audit(sim: Simulator) -> dict[str, Any]:
    entries = api(sim, "auditservice.dev.azure.com", "_apis/audit/auditlog", "7.1-preview.1", batchSize="10000")
    return entries["decoratedAuditLogEntries"][-1]


def applied(response: requests.Response, action_id: str, category: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    entry = response.json()["auditEntry"]
    assert (entry["actionId"], entry["category"]) == (action_id, category)
    return entry


def test_grant_and_revoke_all_pipelines(sim: Simulator) -> None:
    endpoint = next(e for e in sim.state.service_endpoints if e["name"] == "prod-azure-wif")
    path = f"Contoso Web/_apis/pipelines/pipelinepermissions/endpoint/{endpoint['id']}"
    assert "allPipelines" not in api(sim, "dev.azure.com", path, "7.1-preview.1")
    entry = applied(change(sim, action="grant_all_pipelines", project="Contoso Web", resource_type="endpoint",
                           resource="prod-azure-wif"), "Library.ServiceConnectionModified", "modify")
    assert api(sim, "dev.azure.com", path, "7.1-preview.1")["allPipelines"]["authorized"] is True
    audit = newest_audit(sim)
    assert audit["id"] == entry["id"] and audit["area"] == "Library" and audit["projectName"] == "Contoso Web"
    assert audit["actorUPN"] == "alice@contoso.com"
    applied(change(sim, action="revoke_all_pipelines", project="Contoso Web", resource_type="endpoint",
                   resource=endpoint["id"], actor="bob@contoso.com"), "Library.ServiceConnectionModified", "modify")
    assert api(sim, "dev.azure.com", path, "7.1-preview.1")["allPipelines"]["authorized"] is False
    assert newest_audit(sim)["actorDisplayName"] == "Bob Ops"


def test_add_and_remove_collection_administrator(sim: Simulator) -> None:
    state = sim.state
    pca = state.group_named("[contoso]\\Project Collection Administrators")
    assert pca is not None
    judy = next(d for d, s in state.subjects.items() if s["principalName"] == "judy@contoso.com")

    def members() -> set[str]:
        body = api(sim, "vssps.dev.azure.com", f"_apis/graph/memberships/{pca['descriptor']}", "7.1-preview.1",
                   direction="down")
        return {m["memberDescriptor"] for m in body["value"]}

    assert judy not in members()
    entry = applied(change(sim, action="add_group_member", group="Project Collection Administrators",
                           member="judy@contoso.com"), "Group.UpdateGroupMembership.Add", "modify")
    assert judy in members() and entry["area"] == "Group"
    assert entry["data"]["GroupName"] == "[contoso]\\Project Collection Administrators"
    again = change(sim, action="add_group_member", group="Project Collection Administrators", member=judy)
    assert again.status_code == 400
    applied(change(sim, action="remove_group_member", group=pca["descriptor"], member=judy),
            "Group.UpdateGroupMembership.Remove", "modify")
    assert judy not in members()


def test_create_and_delete_repository(sim: Simulator) -> None:
    entry = applied(change(sim, action="create_repository", project="Payments", name="ledger-reports"),
                    "Git.RepositoryCreated", "create")
    repos = api(sim, "dev.azure.com", "Payments/_apis/git/repositories")["value"]
    created = next(r for r in repos if r["name"] == "ledger-reports")
    assert entry["data"]["RepoId"] == created["id"] and created["project"]["name"] == "Payments"
    refs = api(sim, "dev.azure.com", f"Payments/_apis/git/repositories/{created['id']}/refs")["value"]
    assert [r["name"] for r in refs] == ["refs/heads/main", "refs/heads/release/1.0"]
    applied(change(sim, action="delete_repository", project="Payments", repository="payments-infra"),
            "Git.RepositoryDeleted", "remove")
    names = {r["name"] for r in api(sim, "dev.azure.com", "_apis/git/repositories")["value"]}
    assert "payments-infra" not in names and "ledger-reports" in names
    policies = api(sim, "dev.azure.com", "Payments/_apis/policy/configurations")["value"]
    repo_ids = {r["id"] for r in sim.state.repositories}
    assert all(s["repositoryId"] in repo_ids | {None} for p in policies for s in p["settings"]["scope"])
    assert change(sim, action="delete_repository", project="Payments", repository="payments-infra").status_code == 404


def test_pipeline_setting_secret_variable_and_branch_policy(sim: Simulator) -> None:
    applied(change(sim, action="set_pipeline_setting", project="Payments", setting="enforceSettableVar", value=False),
            "Pipelines.ProjectSettingsModified", "modify")
    assert api(sim, "dev.azure.com", "Payments/_apis/build/generalsettings")["enforceSettableVar"] is False
    assert change(sim, action="set_pipeline_setting", project="Payments", setting="nope", value=1).status_code == 400

    web_ci = next(d for d in sim.state.build_definitions[sim.state.project("Contoso Web")["id"]]
                  if d["name"] == "web-ci")
    applied(change(sim, action="make_variable_secret", project="Contoso Web", definition="web-ci",
                   variable="deployUrl"), "Pipelines.PipelineModified", "modify")
    definition = api(sim, "dev.azure.com", f"Contoso Web/_apis/build/definitions/{web_ci['id']}")
    variable = definition["variables"]["deployUrl"]
    assert variable["isSecret"] is True and variable["value"] is None
    applied(change(sim, action="make_variable_secret", project="Data Platform", variable_group="build-config",
                   variable="dbPassword"), "Library.VariableGroupModified", "modify")
    groups = api(sim, "dev.azure.com", "Data Platform/_apis/distributedtask/variablegroups")["value"]
    assert next(g for g in groups if g["name"] == "build-config")["variables"]["dbPassword"]["value"] is None

    entry = applied(change(sim, action="disable_branch_policy", project="Contoso Web", repository="contoso-web"),
                    "Policy.PolicyConfigModified", "modify")
    policies = {p["id"]: p for p in api(sim, "dev.azure.com", "Contoso Web/_apis/policy/configurations")["value"]}
    assert entry["data"]["PolicyIds"] and all(policies[i]["isEnabled"] is False for i in entry["data"]["PolicyIds"])
    assert all(policies[i]["revision"] == 2 for i in entry["data"]["PolicyIds"])


def test_org_policy_and_audit_stream(sim: Simulator) -> None:
    applied(change(sim, action="set_org_policy", name="Policy.AllowAnonymousAccess", value=False),
            "OrganizationPolicy.PolicyValueUpdated", "modify")
    page = api(sim, "dev.azure.com", "_settings/organizationPolicy", "5.0-preview.1", __rt="fps", __ver="2")
    groups = page["fps"]["dataProviders"]["data"]["ms.vss-admin-web.organization-policies-data-provider"]["policies"]
    values = {e["policy"]["name"]: e["policy"]["value"] for entries in groups.values() for e in entries}
    assert values["Policy.AllowAnonymousAccess"] is False
    applied(change(sim, action="set_audit_stream", name="splunk-siem", status="disabledByUser"),
            "AuditLog.StreamModified", "modify")
    streams = api(sim, "auditservice.dev.azure.com", "_apis/audit/streams", "7.1-preview.1")["value"]
    assert {s["status"] for s in streams} == {"disabledByUser"}


def test_bad_changes_are_refused_without_audit(sim: Simulator) -> None:
    before = len(sim.state.audit_log)
    unknown = change(sim, action="explode")
    assert unknown.status_code == 400 and "grant_all_pipelines" in unknown.json()["actions"]
    assert change(sim, action="create_repository", project="Payments").status_code == 400
    assert change(sim, action="create_repository", project="Nope", name="x").status_code == 404
    assert change(sim, action="grant_all_pipelines", project="Payments", resource_type="endpoint",
                  resource="nope").status_code == 404
    assert len(sim.state.audit_log) == before
    listed = requests.get(f"{sim.admin_url}/changes", timeout=30).json()["actions"]
    assert "delete_repository" in listed


def test_paging_through_a_change_neither_loops_nor_repeats() -> None:
    with run_simulator(preset="demo", organization="contoso", seed=7) as fresh:
        path = f"{fresh.base_url}/dev.azure.com/contoso/Contoso Web/_apis/policy/configurations"
        params = {"$top": "2", "api-version": "7.1"}
        first = requests.get(path, params=params, auth=("", fresh.pat), timeout=30)
        seen = [p["id"] for p in first.json()["value"]]
        token = first.headers["x-ms-continuationtoken"]
        applied(change(fresh, action="delete_repository", project="Contoso Web", repository="web-legacy"),
                "Git.RepositoryDeleted", "remove")
        applied(change(fresh, action="create_repository", project="Contoso Web", name="web-next"),
                "Git.RepositoryCreated", "create")
        for _ in range(10):
            page = requests.get(path, params={**params, "continuationToken": token}, auth=("", fresh.pat), timeout=30)
            seen += [p["id"] for p in page.json()["value"]]
            token = page.headers.get("x-ms-continuationtoken")
            if not token:
                break
        assert token is None and len(seen) == len(set(seen))
        remaining = {p["id"] for p in fresh.state.policy_configurations[fresh.state.project("Contoso Web")["id"]]}
        assert remaining - set(seen) == set()
