"""End to end: `dagster dev` serves the workspace, and a run launched over its GraphQL API collects an
organization from the simulator into the warehouse under RESMO_HOME; the findings asset then shows the open
findings as a table and their counts and scores as numbers, which is what the UI's asset page and Plots tab read."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.partitions import ensure_organizations
from resmo_pipeline.simulator import run_simulator
from resmo_pipeline.warehouse import read_connection

REPO = Path(__file__).resolve().parent.parent
PAT_ENV = "RESMO_E2E_PAT"
DEADLINE_S = 300

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
STATUS = "query Status($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"
FINDINGS = """
query Findings($partition: String!) {
  assetNodeOrError(assetKey: {path: ["compliance", "findings"]}) {
    ... on AssetNode {
      groupName
      owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
      tags { key value }
    }
  }
  assetOrError(assetKey: {path: ["compliance", "findings"]}) {
    ... on Asset {
      assetMaterializations(partitions: [$partition], limit: 1) {
        partition
        metadataEntries {
          label
          __typename
          ... on TableMetadataEntry { table { records schema { columns { name description } } } }
          ... on IntMetadataEntry { intValue }
          ... on FloatMetadataEntry { floatValue }
        }
      }
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(url, json={"query": query, "variables": variables}, timeout=10)
    response.raise_for_status()
    return response.json()["data"]


@pytest.fixture
def dagster_dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, Path]]:
    """`dagster dev` on a fresh RESMO_HOME with the simulator's organization connected: (graphql URL, org, home)."""
    home = tmp_path / "resmo"
    monkeypatch.setenv("RESMO_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    with run_simulator(preset="demo", organization="e2e") as sim:
        monkeypatch.setenv(PAT_ENV, sim.pat)
        Registry().add(Integration(name=sim.organization, base_url=sim.base_url, pat_env=PAT_ENV))
        with get_instance() as instance:
            ensure_organizations(instance, [sim.organization])
        port = _free_port()
        log = (tmp_path / "dagster-dev.log").open("w")
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml",
             "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO,
            env={**os.environ},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield f"http://127.0.0.1:{port}/graphql", sim.organization.lower(), home
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            log.close()


def test_a_run_launched_over_graphql_collects_the_organization(dagster_dev: tuple[str, str, Path]) -> None:
    url, organization, home = dagster_dev
    params = {
        "selector": {
            "repositoryLocationName": "resmo_pipeline",
            "repositoryName": "__repository__",
            "jobName": "inventory_job",
        },
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": organization}]},
    }
    deadline = time.monotonic() + DEADLINE_S
    run_id = None
    last: Any = None
    while run_id is None and time.monotonic() < deadline:
        try:
            last = _graphql(url, LAUNCH, {"params": params})["launchRun"]
        except requests.RequestException as error:
            last = error  # the webserver or the code location is still starting
        if isinstance(last, dict) and last.get("__typename") == "LaunchRunSuccess":
            run_id = last["run"]["runId"]
        else:
            time.sleep(1)
    assert run_id, f"could not launch a run: {last}"

    status = None
    while time.monotonic() < deadline:
        status = _graphql(url, STATUS, {"runId": run_id})["runOrError"].get("status")
        if status in {"SUCCESS", "FAILURE", "CANCELED"}:
            break
        time.sleep(2)

    assert status == "SUCCESS"
    with read_connection(home / "warehouse.duckdb") as conn:
        found = conn.execute(
            "select count(*) from azure_devops.projects where organization = ?", [organization]
        ).fetchall()
    assert found[0][0] > 0

    _assert_findings_asset(url, organization, home)


def _assert_findings_asset(url: str, organization: str, home: Path) -> None:
    data = _graphql(url, FINDINGS, {"partition": organization})
    node = data["assetNodeOrError"]
    assert node["groupName"] == "compliance"
    assert {"__typename": "TeamAssetOwner", "team": "security"} in node["owners"]
    [materialization] = data["assetOrError"]["assetMaterializations"]
    assert materialization["partition"] == organization
    entries = {entry["label"]: entry for entry in materialization["metadataEntries"]}

    table = entries["open_findings"]
    assert table["__typename"] == "TableMetadataEntry"
    columns = [column["name"] for column in table["table"]["schema"]["columns"]]
    assert columns == ["severity", "rule", "resource", "resource_type", "project", "message", "first_seen", "link"]
    records = [json.loads(record) for record in table["table"]["records"]]
    assert records and all(record["link"].startswith("https://dev.azure.com/") for record in records)

    with read_connection(home / "warehouse.duckdb") as conn:
        counts = dict(conn.execute(
            "SELECT severity, count(*) FROM compliance.findings WHERE organization = ? AND status = 'open' GROUP BY 1",
            [organization],
        ).fetchall())
        score = conn.execute(
            "SELECT score FROM compliance.scores WHERE organization = ? AND framework = 'all'", [organization]
        ).fetchone()[0]
    assert entries["open_total"]["__typename"] == "IntMetadataEntry"
    assert entries["open_total"]["intValue"] == sum(counts.values()) > 0
    for severity in ("critical", "high", "medium", "low"):
        assert entries[f"open_{severity}"]["intValue"] == counts.get(severity, 0)
    assert entries["score_all"]["__typename"] == "FloatMetadataEntry"
    assert entries["score_all"]["floatValue"] == round(score * 100, 1)
    # Most severe first.
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1}
    assert [ranks[r["severity"]] for r in records] == sorted((ranks[r["severity"]] for r in records), reverse=True)
