"""No missing endpoint fails a sync: 404 listings, HTML answers, disabled features, changed or gone internal
endpoints, an organization without Entra ID, and one project with a service off or hidden.

Each test syncs the types once with everything on (the "earlier sync"), switches part of the simulated
organization off through the admin API, and syncs again: the Dagster run succeeds, the type is `unavailable`
in meta.collection_runs with its reason and URL, the earlier rows are kept and dependent rules are not
evaluable; in a per-project read the other projects are written and the skipped project is named.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest
import requests

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.compliance.evaluate import evaluate_warehouse, table_availability
from resmo_pipeline.compliance.loader import load_rules
from resmo_pipeline.compliance.model import RuleStatus
from resmo_pipeline.inventory import progress
from resmo_pipeline.inventory.commands import _summarise, format_results
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.warehouse import read_connection
from resmo_pipeline_tests.test_inventory.conftest import Harness


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A demo organization of this module's own: its switches are changed by the tests."""
    with run_simulator(preset="demo", organization="contoso") as simulator:
        yield simulator


@pytest.fixture(autouse=True)
def _switches_reset(sim: Simulator) -> Iterator[None]:
    yield
    set_switches(sim, reset=True)


def set_switches(sim: Simulator, **fields: Any) -> dict[str, Any]:
    answer = requests.post(f"{sim.admin_url}/changes", json={"action": "set_switches", **fields}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def run_row(harness: Harness, organization: str, name: str) -> tuple[Any, ...]:
    """The latest meta.collection_runs row of a type: (status, rows, error, url, skipped)."""
    found = harness.query(
        "select status, rows, error, url, skipped from meta.collection_runs where organization = ? "
        "and resource_type = ? order by finished_at desc limit 1",
        [organization, name],
    )
    return found[0]


def metadata(result: dg.ExecuteInProcessResult, name: str) -> dict[str, Any]:
    events = result.asset_materializations_for_node(f"azure_devops__{name}")
    assert events, f"no materialization of {name}"
    return {key: value.value for key, value in events[-1].metadata.items()}


def sync_then_switch(
    harness: Harness, sim: Simulator, types: list[str], **switches: Any
) -> tuple[str, dict[str, list[tuple[Any, ...]]], dg.ExecuteInProcessResult]:
    """Sync `types` with everything on, switch, sync again; (organization, rows before, second run)."""
    organization = harness.connect(sim)
    first = harness.materialize(organization, types)
    assert first.success
    before = {name: harness.rows(name, organization) for name in types}
    set_switches(sim, **switches)
    return organization, before, harness.materialize(organization, types)


def assert_unavailable(
    harness: Harness, organization: str, result: dg.ExecuteInProcessResult, name: str,
    before: list[tuple[Any, ...]], *, reason: str, url: str,
) -> None:
    assert result.success
    status, rows, error, recorded_url, _skipped = run_row(harness, organization, name)
    assert (status, rows) == ("unavailable", 0)
    assert reason in error, error
    assert url in recorded_url and "contoso" in recorded_url
    assert before and harness.rows(name, organization) == before  # nothing written, the earlier rows stay
    meta = metadata(result, name)
    assert meta["status"] == "unavailable" and reason in meta["reason"]
    with read_connection(harness.warehouse) as conn:
        why = table_availability(conn, [name], organization)[name]
    assert why is not None and f"azure_devops.{name} is unavailable for {organization}" in why and reason in why


def test_a_404_organization_listing_is_unavailable(harness: Harness, sim: Simulator) -> None:
    organization, before, result = sync_then_switch(harness, sim, ["audit_streams"],
                                                    missing_routes=["_apis/audit/streams"])
    assert_unavailable(harness, organization, result, "audit_streams", before["audit_streams"],
                       reason="404 at", url="_apis/audit/streams")


def test_an_html_answer_is_unavailable_not_a_failure(harness: Harness, sim: Simulator) -> None:
    organization, before, result = sync_then_switch(
        harness, sim, ["extensions"], html_routes=["_apis/extensionmanagement/installedextensions"])
    assert_unavailable(harness, organization, result, "extensions", before["extensions"],
                       reason="the answer is an HTML page, not JSON (200 at", url="installedextensions")


def test_no_entra_backing_makes_the_audit_log_unavailable(harness: Harness, sim: Simulator) -> None:
    types = ["audit_log", "organization_entra_connection"]
    organization, before, result = sync_then_switch(harness, sim, types, entra_backed=False)
    assert_unavailable(harness, organization, result, "audit_log", before["audit_log"],
                       reason="only available for organizations backed by Microsoft Entra ID",
                       url="_apis/audit/auditlog")
    # The Entra connection is read and says so: not backed by a tenant.
    assert run_row(harness, organization, "organization_entra_connection")[0] == "collected"
    assert harness.query(
        "select is_entra_backed, tenant_id from azure_devops.organization_entra_connection where organization = ?",
        [organization],
    ) == [(False, None)]


def test_an_internal_endpoint_whose_answer_changed_is_unavailable_and_its_rules_not_evaluable(
    harness: Harness, sim: Simulator
) -> None:
    types = ["projects", "organization_policies"]
    organization, before, result = sync_then_switch(harness, sim, types, internal_changed=["organization_policies"])
    assert_unavailable(harness, organization, result, "organization_policies", before["organization_policies"],
                       reason="the internal endpoint's answer changed:", url="organizationPolicy")
    rules = [rule for rule in load_rules() if rule.id == "org.public_projects"]
    evaluation = evaluate_warehouse(harness.warehouse, organization, rules=rules)
    (judged,) = evaluation.results
    assert judged.status is RuleStatus.NOT_EVALUABLE
    assert "azure_devops.organization_policies is unavailable" in (judged.reason or "")
    assert "answer changed" in (judged.reason or "")


def test_an_internal_endpoint_that_is_gone_is_unavailable(harness: Harness, sim: Simulator) -> None:
    organization, before, result = sync_then_switch(harness, sim, ["organization_pipeline_settings"],
                                                    internal_gone=["organization_pipeline_settings"])
    assert_unavailable(harness, organization, result, "organization_pipeline_settings",
                       before["organization_pipeline_settings"], reason="404 at", url="HierarchyQuery")


def test_a_changed_pipeline_settings_answer_is_never_written(harness: Harness, sim: Simulator) -> None:
    organization, before, result = sync_then_switch(harness, sim, ["organization_pipeline_settings"],
                                                    internal_changed=["organization_pipeline_settings"])
    assert_unavailable(harness, organization, result, "organization_pipeline_settings",
                       before["organization_pipeline_settings"],
                       reason="answer changed: settings enforceJobAuthScope", url="HierarchyQuery")


def test_a_service_off_everywhere_is_a_disabled_feature(harness: Harness, sim: Simulator) -> None:
    names = [project["name"] for project in sim.state.projects]
    types = ["projects", "policy_configurations"]
    organization, before, result = sync_then_switch(harness, sim, types,
                                                    services_off={name: ["repos"] for name in names})
    assert_unavailable(harness, organization, result, "policy_configurations", before["policy_configurations"],
                       reason="Repos service is disabled for this project", url="_apis/policy/configurations")


def _per_project(harness: Harness, sim: Simulator, **switches: Any) -> str:
    """Sync policies per project, switch Payments off, sync again: the others are written, Payments is named."""
    name = "policy_configurations"
    organization, before, result = sync_then_switch(harness, sim, ["projects", name], **switches)
    assert result.success
    status, rows, _error, _url, skipped = run_row(harness, organization, name)
    assert status == "collected"
    columns = [c.name for c in RESOURCE_TYPES[name].columns]
    project_at = 2 + columns.index("project_name")  # after organization, resource_id
    others = [row for row in before[name] if row[project_at] != "Payments"]
    assert others and len(others) < len(before[name])  # Payments had policies, so did other projects
    after = harness.rows(name, organization)
    assert rows == len(after) == len(others)
    assert {row[1] for row in after} == {row[1] for row in others}  # every other project's rows are written
    assert skipped and skipped.startswith("project Payments: ")
    assert metadata(result, name)["details"]["skipped_projects"] == [skipped]
    return str(skipped)


def test_one_project_with_repos_off_is_skipped_and_the_others_are_collected(
    harness: Harness, sim: Simulator
) -> None:
    skipped = _per_project(harness, sim, services_off={"Payments": ["repos"]})
    assert "Repos service is disabled for this project" in skipped


def test_one_project_the_token_cannot_see_is_skipped_and_named(harness: Harness, sim: Simulator) -> None:
    skipped = _per_project(harness, sim, hidden_projects=["Payments"])
    assert "not found or not visible to this credential (404 at" in skipped
    set_switches(sim, reset=True)
    skipped = _per_project(harness, sim, hidden_projects=["Payments"], hidden_status=403)
    assert "access denied (403 at" in skipped


def test_the_sync_summary_names_unavailable_types_and_skipped_projects() -> None:
    events = [
        progress.TypeProgress("contoso", "audit_log", "unavailable", detail="Auditing is only available ..."),
        progress.TypeProgress("contoso", "repositories", "collected", rows=3,
                              skipped=("project Payments: Repos is off",)),
    ]
    result = _summarise("contoso", "run", True, 1.0, events)
    assert result.unavailable == {"audit_log": "Auditing is only available ..."}
    assert result.skipped == {"repositories": ["project Payments: Repos is off"]}
    text = format_results([result])
    assert "contoso: audit_log unavailable (earlier rows kept): Auditing is only available ..." in text
    assert "contoso: repositories skipped project Payments: Repos is off" in text
    assert progress.describe(events[0]) == "unavailable: Auditing is only available ..."
    assert progress.describe(events[1]).endswith("1 project(s) skipped")
