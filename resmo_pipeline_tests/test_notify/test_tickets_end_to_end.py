"""From the demo organization to Azure Boards: the rules' findings become work items in a simulated board, a
fixed resource closes its work item, and delivering again changes nothing."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import duckdb
import pytest
import requests

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.compliance.evaluate import evaluate_warehouse
from resmo_pipeline.compliance.loader import load_rules
from resmo_pipeline.inventory.collect import collect_all
from resmo_pipeline.notify.config import parse_config
from resmo_pipeline.notify.deliver import deliver_pending
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline_tests.test_compliance.conftest import write_inventory
from resmo_pipeline_tests.test_notify.ticket_warehouse import links

FIXED = "ed0c4537-39dd-4a16-af81-19975263298d"  # legacy-azure-secret: the demo's widely shared connection


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect(str(path))
    try:
        yield conn
    finally:
        conn.close()


def _board_items(board: Simulator, pat: str) -> list[dict]:
    base = f"{board.base_url}/dev.azure.com/contoso/Contoso Web/_apis/wit"
    query = "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'resmo-pipeline'"
    refs = requests.post(f"{base}/wiql?api-version=7.1", json={"query": query}, auth=("", pat), timeout=10).json()
    items = []
    for ref in refs["workItems"]:
        item = requests.get(f"{base}/workitems/{ref['id']}?api-version=7.1", auth=("", pat), timeout=10).json()
        item["comments"] = requests.get(f"{base}/workItems/{ref['id']}/comments?api-version=7.1-preview.4",
                                        auth=("", pat), timeout=10).json()["comments"]
        items.append(item)
    return items


def test_demo_findings_become_work_items_and_a_fix_closes_one(simulator: Simulator, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path / "home"))
    for variable in ("RESMO_RULES_DIR", "RESMO_RULES_CONFIG", "RESMO_SUPPRESSIONS"):
        monkeypatch.delenv(variable, raising=False)
    warehouse = tmp_path / "warehouse.duckdb"
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url) as c:
        write_inventory(warehouse, collect_all(c))
    critical = [rule for rule in load_rules().rules if rule.severity.value == "critical"]
    evaluate_warehouse(warehouse, "contoso", critical, run_id="run-1")
    with _connect(warehouse) as conn:
        findings = {(r, rid): url for r, rid, url in conn.execute(
            "SELECT rule_id, resource_id, url FROM compliance.findings WHERE status = 'open'").fetchall()}
    assert len(findings) >= 3 and any(rid == FIXED for _, rid in findings)

    with run_simulator(preset="demo", organization="contoso", seed=7) as board:
        pat = board.issue_pat(["vso.work_write"])
        monkeypatch.setenv("TEST_BOARDS_PAT", pat)
        document = {
            "channels": {"boards": {"type": "azure_boards", "organization": "contoso", "project": "Contoso Web",
                                    "pat_env": "TEST_BOARDS_PAT", "base_url": f"{board.base_url}/dev.azure.com"}},
            "subscriptions": [{"name": "tickets", "channels": ["boards"]}],
        }
        first = deliver_pending(partial(_connect, warehouse), parse_config(document))
        items = _board_items(board, pat)
        assert first.delivered == {"boards": len(findings)} and len(items) == len(findings)
        steps = " ".join(i["fields"]["Microsoft.VSTS.TCM.ReproSteps"] for i in items)
        assert all(f'href="{html.escape(url, quote=True)}"' in steps for url in findings.values() if url)
        assert {i["fields"]["Microsoft.VSTS.Common.Severity"] for i in items} == {"1 - Critical"}

        with _connect(warehouse) as conn:  # the connection is fixed: the next evaluation resolves its finding
            conn.execute("DELETE FROM azure_devops.service_connections WHERE id = ?", [FIXED])
        evaluate_warehouse(warehouse, "contoso", critical, run_id="run-2")
        second = deliver_pending(partial(_connect, warehouse), parse_config(document))
        third = deliver_pending(partial(_connect, warehouse), parse_config(document))

        items = _board_items(board, pat)
        closed = [i for i in items if i["fields"]["System.State"] == "Closed"]
        assert second.delivered == {"boards": 1} and third.total_delivered == 0
        assert len(items) == len(findings) and len(closed) == 1
        assert "legacy-azure-secret" in closed[0]["fields"]["System.Title"] and len(closed[0]["comments"]) == 1
        assert all(i["comments"] == [] for i in items if i is not closed[0])
    assert {row["state"] for row in links(warehouse) if row["resource_id"] == FIXED} == {"closed"}
