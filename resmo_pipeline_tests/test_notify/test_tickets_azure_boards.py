"""Azure Boards work items against the simulator over HTTP: created, commented on, reopened and closed as a
finding opens, regresses and resolves; nothing repeated by re-delivery, a restart or a crash before recording."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline_tests.test_notify.ticket_warehouse import (
    RULE,
    deliver,
    finding_event,
    forget,
    links,
    log_rows,
    make_warehouse,
)

PAT_ENV = "TEST_BOARDS_PAT"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A fresh organization per test: work items are data the tests change."""
    with run_simulator(preset="demo", organization="contoso", seed=7) as running:
        yield running


@pytest.fixture
def pat(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> str:
    token = sim.issue_pat(["vso.work_write"])
    monkeypatch.setenv(PAT_ENV, token)
    return token


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "warehouse.duckdb")


def config(sim: Simulator, project: str = "Contoso Web", **options: Any) -> dict[str, Any]:
    return {
        "channels": {"boards": {"type": "azure_boards", "organization": sim.organization, "project": project,
                                "pat_env": PAT_ENV, "base_url": f"{sim.base_url}/dev.azure.com", **options}},
        "subscriptions": [{"name": "findings", "channels": ["boards"]}],
        "delivery": {"retry_after_s": 0, "max_attempts": 3, "digest_threshold": 2},
    }


def tag_of(resource: str, org: str = "contoso") -> str:
    """The tag the channel must put on the finding's work item: a short hash of organization|rule|resource."""
    return f"resmo:{hashlib.sha256(f'{org}|{RULE}|{resource}'.encode()).hexdigest()[:12]}"


def work_items(sim: Simulator, pat: str, tag: str, project: str = "Contoso Web") -> list[dict[str, Any]]:
    """The work items carrying the tag, read back through WIQL and GET, each with its comments."""
    base = f"{sim.base_url}/dev.azure.com/{sim.organization}/{project}/_apis/wit"
    query = f"SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS '{tag}'"
    refs = requests.post(f"{base}/wiql?api-version=7.1", json={"query": query}, auth=("", pat), timeout=10)
    items = []
    for ref in refs.json()["workItems"]:
        item = requests.get(f"{base}/workitems/{ref['id']}?api-version=7.1", auth=("", pat), timeout=10).json()
        item["comments"] = requests.get(f"{base}/workItems/{ref['id']}/comments?api-version=7.1-preview.4",
                                        auth=("", pat), timeout=10).json()["comments"]
        items.append(item)
    return items


def test_finding_opens_regresses_and_resolves_one_work_item(sim: Simulator, pat: str, warehouse: Path) -> None:
    opened = finding_event(warehouse, "new_finding", minutes_ago=30)
    first = deliver(warehouse, config(sim))
    (item,) = work_items(sim, pat, tag_of("sc-1"))
    fields = item["fields"]
    assert first.delivered == {"boards": 1}
    assert fields["System.WorkItemType"] == "Bug" and fields["System.State"] == "New"
    assert fields["System.Title"] == "Service connection open to all pipelines: service_connections 'conn sc-1' " \
                                     "(contoso)"
    assert {t.strip() for t in fields["System.Tags"].split(";")} == {"resmo-pipeline", tag_of("sc-1")}
    assert fields["Microsoft.VSTS.Common.Severity"] == "2 - High"
    steps = fields["Microsoft.VSTS.TCM.ReproSteps"]
    assert "authorized for all pipelines" in steps and "Remediation:" in steps and "(high)" in steps
    assert 'href="https://dev.azure.com/contoso/Contoso Web/_settings/adminservices?resourceId=sc-1"' in steps
    (link,) = links(warehouse)
    assert (link["ticket_id"], link["state"], link["rule_id"]) == (str(item["id"]), "open", RULE)
    assert link["ticket_url"].endswith(f"/contoso/Contoso%20Web/_workitems/edit/{item['id']}")
    assert link["finding_key"] == f"contoso|{RULE}|sc-1"

    resolved = finding_event(warehouse, "resolved", minutes_ago=20)
    deliver(warehouse, config(sim), minutes=1)
    (item,) = work_items(sim, pat, tag_of("sc-1"))
    assert item["fields"]["System.State"] == "Closed"  # Agile: the Completed state of a Bug
    assert [c["text"].startswith("<p>Resolved") for c in item["comments"]] == [True]
    assert links(warehouse)[0]["state"] == "closed"

    regressed = finding_event(warehouse, "regression", minutes_ago=10)
    deliver(warehouse, config(sim), minutes=2)
    (item,) = work_items(sim, pat, tag_of("sc-1"))
    assert item["fields"]["System.State"] == "New"  # reopened to the type's first (Proposed) state
    assert "regressed" in item["comments"][0]["text"] and len(item["comments"]) == 2
    assert links(warehouse)[0]["state"] == "open"

    rev = item["rev"]
    again = deliver(warehouse, config(sim), minutes=3)
    restarted = deliver(warehouse, config(sim), minutes=10)  # a new configuration object: a restarted process
    (item,) = work_items(sim, pat, tag_of("sc-1"))
    assert again.total_delivered == restarted.total_delivered == again.messages == restarted.messages == 0
    assert item["rev"] == rev and len(item["comments"]) == 2
    assert {(e, s, a) for e, _, s, a in log_rows(warehouse)} == {
        (f"finding:{opened}", "delivered", 1), (f"finding:{resolved}", "delivered", 1),
        (f"finding:{regressed}", "delivered", 1)}


def test_crash_between_creating_and_recording_files_no_second_work_item(sim: Simulator, pat: str,
                                                                        warehouse: Path) -> None:
    opened = finding_event(warehouse, "new_finding")
    deliver(warehouse, config(sim))
    (before,) = links(warehouse)
    forget(warehouse, opened)  # neither the delivery nor the link was recorded

    report = deliver(warehouse, config(sim), minutes=1)

    assert report.delivered == {"boards": 1}  # delivered again: found by its tag through WIQL
    (item,) = work_items(sim, pat, tag_of("sc-1"))
    assert item["rev"] == 1 and item["comments"] == []
    (after,) = links(warehouse)
    assert after["ticket_id"] == before["ticket_id"] == str(item["id"])


def test_regression_with_its_link_lost_comments_on_the_existing_item(sim: Simulator, pat: str,
                                                                     warehouse: Path) -> None:
    finding_event(warehouse, "new_finding", minutes_ago=5)
    deliver(warehouse, config(sim))
    forget(warehouse)  # only meta.ticket_links is lost
    regressed = finding_event(warehouse, "regression", minutes_ago=1)
    deliver(warehouse, config(sim), minutes=1)
    forget(warehouse, regressed, links_too=False)  # and the regression's delivery was not recorded either
    deliver(warehouse, config(sim), minutes=2)

    (item,) = work_items(sim, pat, tag_of("sc-1"))
    assert len(item["comments"]) == 1  # the repeated event found its comment by the event marker
    assert f"resmo-pipeline event finding:{regressed}" in item["comments"][0]["text"]
    assert links(warehouse)[0]["ticket_id"] == str(item["id"])


def test_scrum_task_closes_to_done_and_reopens_to_do(sim: Simulator, pat: str, warehouse: Path) -> None:
    options = {"work_item_type": "Task", "tags": ["security"]}
    finding_event(warehouse, "new_finding", minutes_ago=3, project="Payments")
    finding_event(warehouse, "resolved", minutes_ago=2, project="Payments")
    deliver(warehouse, config(sim, "Payments", **options))  # both events in one pass, in order
    (item,) = work_items(sim, pat, tag_of("sc-1"), "Payments")
    assert item["fields"]["System.WorkItemType"] == "Task" and item["fields"]["System.State"] == "Done"
    assert "authorized for all pipelines" in item["fields"]["System.Description"]
    assert "security" in item["fields"]["System.Tags"]
    assert "Microsoft.VSTS.Common.Severity" not in item["fields"]

    finding_event(warehouse, "regression", minutes_ago=1, project="Payments")
    deliver(warehouse, config(sim, "Payments", **options), minutes=1)
    (item,) = work_items(sim, pat, tag_of("sc-1"), "Payments")
    assert item["fields"]["System.State"] == "To Do"


def test_refused_write_is_retried_in_order_and_delivered_once(sim: Simulator, pat: str, warehouse: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    read_only = sim.issue_pat(["vso.work"])
    monkeypatch.setenv(PAT_ENV, read_only)
    opened = finding_event(warehouse, "new_finding", minutes_ago=2)
    resolved = finding_event(warehouse, "resolved", minutes_ago=1)

    down = deliver(warehouse, config(sim))
    assert down.failed == {"boards": 1}  # the resolution waits for the creation: not attempted
    assert any("HTTP 403" in e and "vso.work_write" in e for e in down.errors)
    assert not any(read_only in e for e in down.errors)
    assert work_items(sim, pat, tag_of("sc-1")) == []

    monkeypatch.setenv(PAT_ENV, pat)
    up = deliver(warehouse, config(sim), minutes=1)
    again = deliver(warehouse, config(sim), minutes=2)

    assert up.delivered == {"boards": 2} and again.total_delivered == 0
    (item,) = work_items(sim, pat, tag_of("sc-1"))
    assert item["fields"]["System.State"] == "Closed" and len(item["comments"]) == 1
    rows = {(e, s, a) for e, _, s, a in log_rows(warehouse)}
    assert rows == {(f"finding:{opened}", "delivered", 2), (f"finding:{resolved}", "delivered", 1)}


def test_unknown_project_is_reported_with_the_services_message(sim: Simulator, pat: str, warehouse: Path) -> None:
    finding_event(warehouse, "new_finding")
    report = deliver(warehouse, config(sim, "No Such Project"))
    assert report.failed == {"boards": 1}
    (error,) = report.errors
    assert "HTTP 404" in error and "TF200016" in error and pat not in error


def test_change_events_and_findings_below_the_threshold_never_reach_the_board(
        sim: Simulator, pat: str, warehouse: Path) -> None:
    finding_event(warehouse, "new_finding", "low-1", severity="low")
    finding_event(warehouse, "new_finding", "crit-1", severity="critical")
    finding_event(warehouse, "new_finding", "crit-2", severity="critical")
    with_changes = config(sim, min_severity="high")
    report = deliver(warehouse, with_changes)

    assert report.delivered == {"boards": 2}  # two events, digest_threshold 2: still one work item each
    assert work_items(sim, pat, tag_of("low-1")) == []
    assert len(work_items(sim, pat, tag_of("crit-1"))) == len(work_items(sim, pat, tag_of("crit-2"))) == 1
    assert {r["finding_key"] for r in links(warehouse)} == {f"contoso|{RULE}|crit-1", f"contoso|{RULE}|crit-2"}
    assert len(log_rows(warehouse)) == 2  # the low finding is not pending for this channel at all
