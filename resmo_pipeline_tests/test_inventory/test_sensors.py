"""The audit-log change sensor against the simulator: quiet polls are cheap, a change requests exactly the
resource types it affects (plus their dependents and the audit log) for that organization, once."""

from __future__ import annotations

import json
from typing import Any

import dagster as dg
import requests

from resmo_pipeline.compliance.assets import FINDINGS_KEY
from resmo_pipeline.definitions import build_definitions
from resmo_pipeline.inventory.assets import asset_key
from resmo_pipeline.inventory.resources import AzureDevOpsResource
from resmo_pipeline.inventory.scope import SCOPE_TAG
from resmo_pipeline.inventory.sensors import CHANGED_TYPES_TAG, audit_log_change_sensor
from resmo_pipeline.permissions.assets import permission_assets
from resmo_pipeline_tests.test_inventory.conftest import TEST_ASSETS, Harness

DEFS = build_definitions()


def _tick(harness: Harness, cursor: str | None) -> Any:
    """One evaluation as the daemon does it: run requests are checked against the inventory job."""
    with dg.partition_loading_context(dynamic_partitions_store=harness.instance), dg.build_sensor_context(
        instance=harness.instance,
        cursor=cursor,
        definitions=DEFS,
        resources={"azure_devops": AzureDevOpsResource(registry_path=str(harness.registry.path))},
    ) as context:
        return audit_log_change_sensor.evaluate_tick(context)


def _change(sim: Any, **body: Any) -> None:
    response = requests.post(f"{sim.admin_url}/changes", json=body, timeout=10)
    response.raise_for_status()


def test_a_change_requests_exactly_the_affected_types_once(harness: Harness, demo_sim: Any) -> None:
    organization = harness.connect(demo_sim)
    project = demo_sim.state.projects[0]
    assert harness.materialize(organization, ["projects", "pipeline_settings"]).success
    first = _tick(harness, None)
    assert not first.run_requests  # watching starts now; the first sync reads everything anyway

    demo_sim.reset_stats()
    assert first.skip_message == f"watching starts now for {organization}"
    quiet = _tick(harness, first.cursor)
    assert not quiet.run_requests
    assert demo_sim.stats()["requests"] <= 3
    # The tick's line in the UI says what was polled, not "Sensor function returned an empty result".
    assert quiet.skip_message.startswith("1 organization polled, no audit entries since ")

    value = not demo_sim.state.pipeline_settings[project["id"]]["enforceJobAuthScope"]
    _change(
        demo_sim, action="set_pipeline_setting", project=project["name"], setting="enforceJobAuthScope", value=value
    )
    changed = _tick(harness, quiet.cursor)

    [request] = changed.run_requests
    assert request.partition_key == organization
    # The changed type, the audit log, and the findings (the rules reading the type are evaluated again).
    assert set(request.asset_selection) == {asset_key("pipeline_settings"), asset_key("audit_log"), FINDINGS_KEY}
    assert request.tags[CHANGED_TYPES_TAG] == "pipeline_settings"
    assert request.run_key and request.run_key.startswith(f"{organization}:")
    assert not _tick(harness, changed.cursor).run_requests

    # The requested targeted run brings the change into the warehouse.
    types = [key.path[-1] for key in request.asset_selection if key != FINDINGS_KEY]
    assert harness.materialize(organization, types).success
    stored = harness.query(
        "select raw->>'$.enforceJobAuthScope' from azure_devops.pipeline_settings where project_id = ?",
        [project["id"]],
    )
    assert stored == [(str(value).lower(),)]


def test_dependents_of_a_changed_type_are_refreshed_and_disabled_orgs_are_not_polled(
    harness: Harness, demo_sim: Any
) -> None:
    organization = harness.connect(demo_sim)
    cursor = _tick(harness, None).cursor

    _change(demo_sim, action="create_repository", project=demo_sim.state.projects[0]["name"], name="sensor-repo")
    harness.registry.disable(organization)
    assert not _tick(harness, cursor).run_requests

    harness.registry.enable(organization)
    [request] = _tick(harness, cursor).run_requests
    selected = set(request.asset_selection)
    assert {asset_key("repositories"), asset_key("branches"), asset_key("audit_log")} <= selected
    assert asset_key("service_connections") not in selected
    assert asset_key("projects") not in selected


def test_a_modification_refreshes_no_per_resource_children_but_reruns_every_rule_reading_the_types(
    harness: Harness, demo_sim: Any
) -> None:
    organization = harness.connect(demo_sim)
    cursor = _tick(harness, None).cursor
    project = demo_sim.state.projects[0]
    connection = next(
        c for c in demo_sim.state.service_endpoints
        if any(ref["projectReference"]["id"] == project["id"] for ref in c["serviceEndpointProjectReferences"])
    )

    _change(demo_sim, action="grant_all_pipelines", project=project["name"], resource_type="endpoint",
            resource=connection["name"])
    [request] = _tick(harness, cursor).run_requests
    assert request.partition_key == organization

    selected = {key.path[-1] for key in request.asset_selection}
    assert {"service_connections", "pipeline_permissions", "audit_log"} <= selected
    # Modifying a connection does not change which checks or usage records exist: they are not re-read.
    assert not selected & {"check_configurations", "service_connection_usage"}
    checks = {key.name for key in request.asset_check_keys}
    # Rules judging other tables but reading pipeline_permissions run again too.
    assert {"sc_all_pipelines_access", "vg_secret_all_pipelines_access", "sf_all_pipelines_access"} <= checks
    assert "users_inactive" not in checks


def test_a_modification_names_the_resources_to_re_read_and_a_creation_reads_the_type_whole(
    harness: Harness, demo_sim: Any
) -> None:
    harness.connect(demo_sim)
    cursor = _tick(harness, None).cursor
    project = demo_sim.state.projects[0]
    group = next(
        g for g in demo_sim.state.variable_groups
        if g["variableGroupProjectReferences"][0]["projectReference"]["id"] == project["id"] and g["variables"]
    )

    _change(demo_sim, action="make_variable_secret", project=project["name"], variable_group=group["name"],
            variable=next(iter(group["variables"])))
    changed = _tick(harness, cursor)
    [request] = changed.run_requests
    scopes = json.loads(request.tags[SCOPE_TAG])
    assert scopes["variable_groups"] == [{"rows": {"id": str(group["id"])}, "calls": {"project_id": project["id"]}}]
    assert scopes["pipeline_permissions"][0]["rows"] == {
        "project_id": project["id"], "resource_type": "variablegroup", "resource_id_ref": str(group["id"])}

    _change(demo_sim, action="create_repository", project=project["name"], name="scoped-sensor-repo")
    [created] = _tick(harness, changed.cursor).run_requests
    assert asset_key("repositories") in created.asset_selection
    assert SCOPE_TAG not in created.tags  # a new resource changes what exists: read the type whole


def test_a_permission_change_evaluates_the_permissions_and_their_rules_again(harness: Harness, demo_sim: Any) -> None:
    organization = harness.connect(demo_sim)
    assets = [*TEST_ASSETS, *permission_assets]
    assert dg.materialize(assets, instance=harness.instance, partition_key=organization,
                          resources=harness.resources()).success
    cursor = _tick(harness, None).cursor
    project = next(p for p in demo_sim.state.projects if p["name"] == "Payments")
    repository = next(r for r in demo_sim.state.repositories if r["name"] == "payments-api")
    token = f"repoV2/{project['id']}/{repository['id']}"
    _change(demo_sim, action="set_permission", namespace="Git Repositories", token=token,
            subject="[Payments]\\Readers", permission="ForcePush", value="allow")

    [request] = _tick(harness, cursor).run_requests
    selected = {key.path[-1] for key in request.asset_selection}
    assert {"access_control_lists", "effective_permissions", "permission_objects", "effective_roles"} <= selected
    assert FINDINGS_KEY in request.asset_selection
    checks = {key.name for key in request.asset_check_keys}
    assert "perm_reader_groups_write" in checks  # a rule over effective_permissions

    # The requested run brings the new decision into the evaluated table.
    result = dg.materialize(assets, instance=harness.instance, partition_key=organization,
                            selection=[key for key in request.asset_selection if key != FINDINGS_KEY],
                            resources=harness.resources())
    assert result.success
    decisions = harness.query(
        "SELECT decision FROM azure_devops.effective_permissions WHERE organization = ? AND lower(token) = ?"
        " AND permission_name = 'ForcePush' AND identity_name = '[Payments]\\Readers'",
        [organization, token.lower()],
    )
    assert decisions == [("allow",)]
