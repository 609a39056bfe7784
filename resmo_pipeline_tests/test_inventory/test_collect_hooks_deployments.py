"""Service hook subscriptions, deployment groups and deployment targets collected from the demo simulator over
HTTP: rows match the simulator's data, derived columns are right, and credential values the simulator serves
(basic auth, header tokens, account keys, tokens in URLs, user capability values) reach no cell of any row."""

from __future__ import annotations

import base64
import dataclasses
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential, PermissionDeniedError
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory.collect import CollectionResult, collect, collect_all
from resmo_pipeline.inventory.rows import parent_rows_from_frame
from resmo_pipeline.simulator import Simulator
from resmo_pipeline.simulator.data.deployments import DEMO_CAPABILITY_SECRET, OUTDATED_AGENT_VERSION
from resmo_pipeline.simulator.data.service_hooks import DEMO_HOOK_SECRETS

TYPES = ("service_hooks", "deployment_groups", "deployment_targets")
SECRETS = (*DEMO_HOOK_SECRETS, DEMO_CAPABILITY_SECRET)


@pytest.fixture(scope="module")
def client(simulator: Simulator) -> Iterator[AzureDevOpsClient]:
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url,
                           concurrency=4) as api:
        yield api


@pytest.fixture(scope="module")
def results(client: AzureDevOpsClient) -> dict[str, CollectionResult]:
    return collect_all(client, list(TYPES))


def http_get(simulator: Simulator, path: str) -> tuple[dict[str, Any], dict[str, str]]:
    """One raw GET against the simulator (body, lower-cased headers)."""
    token = base64.b64encode(f":{simulator.pat}".encode()).decode()
    request = urllib.request.Request(f"{simulator.base_url}/dev.azure.com/{simulator.organization}/{path}",
                                     headers={"Authorization": f"Basic {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read()), {k.lower(): v for k, v in answer.headers.items()}


def by(result: CollectionResult, column: str) -> pd.DataFrame:
    return result.rows.set_index(column, drop=False)


def test_the_simulator_serves_the_secrets_the_rows_must_not_hold(simulator: Simulator) -> None:
    body, _ = http_get(simulator, "_apis/hooks/subscriptions?api-version=7.1-preview.1")
    served = json.dumps(body)
    assert all(secret in served for secret in DEMO_HOOK_SECRETS)
    project = next(p for p in simulator.state.projects if p["name"] == "Payments")
    group = simulator.state.deployment_groups[project["id"]][0]
    body, _ = http_get(simulator, f"{project['id']}/_apis/distributedtask/deploymentgroups/{group['id']}/targets"
                       "?$expand=capabilities&api-version=7.1-preview.1")
    assert DEMO_CAPABILITY_SECRET in json.dumps(body)


def test_every_type_has_rows_with_the_declared_columns(results: dict[str, CollectionResult]) -> None:
    for name in TYPES:
        rows = results[name].rows
        assert list(rows.columns) == RESOURCE_TYPES[name].column_names, name
        assert len(rows) > 0 and rows["resource_id"].is_unique, name
        assert results[name].requests > 0 and not results[name].warnings, name


def test_no_secret_value_reaches_any_cell_or_the_warehouse(results: dict[str, CollectionResult]) -> None:
    connection = duckdb.connect()
    for name in TYPES:
        frame = results[name].rows
        text = "\n".join(str(cell) for cell in frame.to_numpy().ravel())
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, (name, leaked)
        connection.register("frame", frame)
        connection.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
        connection.unregister("frame")
        stored = "\n".join(str(cell) for row in connection.execute(f"SELECT * FROM {name}").fetchall() for cell in row)
        assert not [secret for secret in SECRETS if secret in stored], name
        assert len(connection.execute(f"SELECT * FROM {name}").fetchall()) == len(frame)


def test_subscription_rows(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    state = simulator.state
    rows = by(results["service_hooks"], "id")
    assert set(rows.index) == {s["id"] for s in state.service_hook_subscriptions}
    by_consumer = {(r["consumer_id"], r["event_type"]): r for _, r in rows.iterrows()}

    legacy = by_consumer[("webHooks", "git.push")]
    assert legacy["target_scheme"] == "http" and bool(legacy["target_uses_https"]) is False
    assert legacy["target_host"] == "build.contoso-legacy.example"
    assert bool(legacy["has_basic_auth"]) and bool(legacy["has_secret_inputs"])
    assert legacy["project_name"] == "Contoso Web" and legacy["status"] == "enabled"
    assert legacy["publisher_id"] == "tfs" and legacy["consumer_action_id"] == "httpRequest"
    raw = json.loads(legacy["raw"])
    assert raw["consumerInputs"]["url"] == "http://build.contoso-legacy.example"
    assert raw["consumerInputs"]["basicAuthPassword"] == "[redacted]"
    assert raw["consumerInputs"]["resourceDetailsToSend"] == "all"
    assert "basicAuthUsername" in json.loads(legacy["consumer_input_names"])
    assert not pd.isna(legacy["created_date"]) and legacy["created_by"]

    slack = by_consumer[("slack", "build.complete")]
    assert slack["target_host"] == "hooks.slack.com" and bool(slack["target_uses_https"])
    assert not bool(slack["has_basic_auth"]) and not bool(slack["has_secret_inputs"])
    assert slack["project_name"] == "Payments"
    assert "[redacted]" in json.loads(slack["raw"])["actionDescription"]

    teams = by_consumer[("teams", "workitem.created")]
    assert teams["status"] == "disabledByUser" and teams["target_host"] == "contoso.webhook.office.com"

    siem = by_consumer[("webHooks", "git.pullrequest.created")]
    assert pd.isna(siem["project_id"]) and pd.isna(siem["project_name"])
    assert bool(siem["has_secret_inputs"]) and not bool(siem["has_basic_auth"])

    queue = by_consumer[("azureStorageQueue", "ms.vss-release.deployment-completed-event")]
    assert pd.isna(queue["target_host"]) and pd.isna(queue["target_uses_https"])
    assert bool(queue["has_secret_inputs"]) and queue["status"] == "onProbation" and queue["probation_retries"] == 2
    assert json.loads(queue["raw"])["consumerInputs"]["queueName"] == "deployments"


def test_deployment_group_rows(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    groups = [g for groups in simulator.state.deployment_groups.values() for g in groups]
    rows = by(results["deployment_groups"], "name")
    assert set(rows.index) == {g["name"] for g in groups}
    servers = rows.loc["web-prod-servers"]
    assert servers["project_name"] == "Contoso Web" and servers["machine_count"] == 3
    assert servers["online_machine_count"] == 2 and servers["offline_machine_count"] == 1
    assert servers["pool_name"] == "Contoso Web-web-prod-servers" and servers["pool_id"] >= 1000
    assert set(json.loads(servers["machine_tags"])) == {"prod", "web", "legacy"}
    assert rows.loc["data-staging", "machine_count"] == 0


def test_deployment_target_rows(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    machines = [m for targets in simulator.state.deployment_targets.values() for m in targets]
    rows = by(results["deployment_targets"], "agent_name")
    assert len(rows) == len(machines) and set(rows.index) == {m["agent"]["name"] for m in machines}
    assert rows.loc["web-prod-02", "agent_status"] == "offline"
    assert rows.loc["web-prod-02", "last_request_result"] == "failed"
    assert rows.loc["web-prod-legacy", "agent_version"] == OUTDATED_AGENT_VERSION
    assert "Windows" in rows.loc["web-prod-legacy", "os_description"]
    web = rows.loc["web-prod-01"]
    assert web["deployment_group_name"] == "web-prod-servers" and web["project_name"] == "Contoso Web"
    assert web["last_request_definition_name"] == "web-release" and web["last_request_result"] == "succeeded"
    assert not pd.isna(web["last_request_finish_time"]) and not pd.isna(web["assigned_request_id"])
    assert json.loads(web["tags"]) == ["prod", "web"]
    pay = rows.loc["pay-vm-01"]
    assert pay["user_capability_count"] == 2
    assert json.loads(pay["raw"])["agent"]["userCapabilities"] == {"DB_PASSWORD": "[redacted]",
                                                                   "region": "[redacted]"}
    idle = rows.loc["pay-vm-02"]
    assert bool(idle["agent_enabled"]) is False and pd.isna(idle["last_request_id"])


def test_deployment_listings_page_with_the_header_token(simulator: Simulator, client: AzureDevOpsClient,
                                                        results: dict[str, CollectionResult]) -> None:
    project = next(p for p in simulator.state.projects if p["name"] == "Contoso Web")
    first, headers = http_get(simulator, f"{project['id']}/_apis/distributedtask/deploymentgroups/"
                              f"{simulator.state.deployment_groups[project['id']][0]['id']}/targets"
                              "?$top=1&api-version=7.1-preview.1")
    assert first["count"] == 1 and headers.get("x-ms-continuationtoken")
    # The collector follows the token when pages are small: same rows as one big page.
    rt = RESOURCE_TYPES["deployment_targets"]
    small_pages = dataclasses.replace(rt, endpoint=dataclasses.replace(rt.endpoint, page_size=1))
    parents = {"deployment_groups": parent_rows_from_frame(results["deployment_groups"].rows)}
    paged = collect(small_pages, client, parents)
    assert sorted(paged.rows["resource_id"]) == sorted(results["deployment_targets"].rows["resource_id"])
    assert paged.requests > len(parents["deployment_groups"])


def test_a_token_without_the_scopes_is_refused(simulator: Simulator) -> None:
    limited = simulator.issue_pat(scopes=("vso.build",))
    with AzureDevOpsClient(simulator.organization, PatCredential(limited), base_url=simulator.base_url) as api:
        with pytest.raises(PermissionDeniedError) as hooks:
            collect("service_hooks", api, {"projects": []})
        assert hooks.value.required_scope == "vso.hooks"
        projects = [{"id": p["id"], "name": p["name"], "state": p["state"]} for p in simulator.state.projects]
        with pytest.raises(PermissionDeniedError) as groups:
            collect("deployment_groups", api, {"projects": projects})
    assert groups.value.required_scope == "vso.machinegroup_manage"
