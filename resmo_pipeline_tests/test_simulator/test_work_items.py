"""The simulator's Azure Boards work-item endpoints over HTTP: JSON Patch create and update, comments, WIQL,
type states per process, scopes and the service's errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.data.work_items import work_items_of
from resmo_pipeline.simulator.routes_work_items import ADMIN_ROUTES
from resmo_pipeline.simulator.routing import SimRequest

PATCH = {"Content-Type": "application/json-patch+json"}


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """One organization for this module; every test files its own work items."""
    with run_simulator(preset="demo", organization="contoso", seed=7) as running:
        yield running


def api(sim: Simulator, method: str, path: str, body: Any = None, *, version: str = "7.1", pat: str | None = None,
        headers: dict[str, str] | None = None, project: str = "Contoso Web") -> requests.Response:
    url = f"{sim.base_url}/dev.azure.com/contoso/{project}/_apis/wit/{path}?api-version={version}"
    return requests.request(method, url, data=None if body is None else json.dumps(body), auth=("", pat or sim.pat),
                            headers={"Content-Type": "application/json", **(headers or {})}, timeout=10)


def create(sim: Simulator, title: str, tags: str = "", kind: str = "Bug", project: str = "Contoso Web",
           **fields: Any) -> requests.Response:
    ops = [{"op": "add", "path": "/fields/System.Title", "value": title}]
    if tags:
        ops.append({"op": "add", "path": "/fields/System.Tags", "value": tags})
    ops += [{"op": "add", "path": f"/fields/{k.replace('_', '.')}", "value": v} for k, v in fields.items()]
    return api(sim, "POST", f"workitems/${kind}", ops, headers=PATCH, project=project)


def test_create_read_update_and_comment(sim: Simulator) -> None:
    created = create(sim, "first bug", "alpha; beta")
    assert created.status_code == 200
    item = created.json()
    assert item["rev"] == 1 and item["fields"]["System.State"] == "New"
    assert item["fields"]["System.WorkItemType"] == "Bug" and item["fields"]["System.TeamProject"] == "Contoso Web"
    assert item["fields"]["System.CreatedBy"]["uniqueName"] == "alice@contoso.com"
    assert item["url"].endswith(f"/_apis/wit/workItems/{item['id']}")

    closed = api(sim, "PATCH", f"workitems/{item['id']}", [{"op": "test", "path": "/rev", "value": 1},
                 {"op": "add", "path": "/fields/System.State", "value": "Closed"}], headers=PATCH)
    assert closed.status_code == 200
    assert closed.json()["rev"] == 2 and closed.json()["fields"]["System.Reason"] == "Fixed"
    assert "Microsoft.VSTS.Common.ClosedDate" in closed.json()["fields"]

    for text in ("one", "two"):
        assert api(sim, "POST", f"workItems/{item['id']}/comments", {"text": text},
                   version="7.1-preview.4").status_code == 200
    listed = api(sim, "GET", f"workItems/{item['id']}/comments", version="7.1-preview.4").json()
    assert [c["text"] for c in listed["comments"]] == ["two", "one"] and listed["totalCount"] == 2
    again = api(sim, "GET", f"workitems/{item['id']}").json()
    assert again["rev"] == 4 and again["fields"]["System.CommentCount"] == 2


def test_wiql_matches_whole_tags_within_the_project(sim: Simulator) -> None:
    wanted = create(sim, "tagged", "resmo:abc123; resmo-pipeline").json()["id"]
    create(sim, "prefix only", "resmo:abc1234")
    create(sim, "other project", "resmo:abc123", kind="Task", project="Payments")
    query = ("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project "
             "AND [System.Tags] CONTAINS 'resmo:abc123' ORDER BY [System.Id]")
    answer = api(sim, "POST", "wiql", {"query": query}).json()
    assert [r["id"] for r in answer["workItems"]] == [wanted]
    assert answer["queryType"] == "flat" and answer["columns"][0]["referenceName"] == "System.Id"
    everywhere = "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'resmo:abc123'"
    assert len(api(sim, "POST", "wiql", {"query": everywhere}).json()["workItems"]) == 2
    bad = api(sim, "POST", "wiql", {"query": "SELECT [System.Id] FROM Nothing"})
    assert bad.status_code == 400 and "TF51006" in bad.json()["message"]


def test_states_follow_the_projects_process(sim: Simulator) -> None:
    agile = api(sim, "GET", "workitemtypes/Bug/states").json()["value"]
    scrum = api(sim, "GET", "workitemtypes/Task/states", project="Payments").json()["value"]
    assert [(s["name"], s["category"]) for s in agile][:4] == [
        ("New", "Proposed"), ("Active", "InProgress"), ("Resolved", "Resolved"), ("Closed", "Completed")]
    assert [s["name"] for s in scrum] == ["To Do", "In Progress", "Done", "Removed"]
    missing = api(sim, "GET", "workitemtypes/Bug/states", project="Data Platform")  # Basic has no Bug
    assert missing.status_code == 404 and "VS402323" in missing.json()["message"]


def test_the_service_refusals(sim: Simulator) -> None:
    plain_json = api(sim, "POST", "workitems/$Bug", [{"op": "add", "path": "/fields/System.Title", "value": "x"}])
    assert plain_json.status_code == 415 and "application/json-patch+json" in plain_json.json()["message"]
    no_title = create(sim, "")
    assert no_title.status_code == 400 and "TF401320" in no_title.json()["message"]
    bad_state = create(sim, "x", System_State="Done")  # Done is Scrum's, not Agile's
    assert bad_state.status_code == 400 and "Allowed: New, Active, Resolved, Closed, Removed" in bad_state.json()[
        "message"]
    wrong_type = create(sim, "x", kind="Bug", project="Data Platform")
    assert wrong_type.status_code == 404 and wrong_type.json()["typeKey"] == "WorkItemTypeNotFoundException"
    missing = api(sim, "GET", "workitems/999999")
    assert missing.status_code == 404 and "TF401232" in missing.json()["message"]
    unknown_project = api(sim, "GET", "workitems/1", project="Nope")
    assert unknown_project.status_code == 404 and "TF200016" in unknown_project.json()["message"]
    item = create(sim, "stale").json()
    stale = api(sim, "PATCH", f"workitems/{item['id']}", [{"op": "test", "path": "/rev", "value": 7}], headers=PATCH)
    assert stale.status_code == 412
    not_preview = api(sim, "POST", f"workItems/{item['id']}/comments", {"text": "x"})
    assert not_preview.status_code == 400 and "preview" in not_preview.json()["message"]


def test_scopes_read_with_vso_work_and_write_with_vso_work_write(sim: Simulator) -> None:
    item = create(sim, "scoped").json()
    reader, writer = sim.issue_pat(["vso.work"]), sim.issue_pat(["vso.work_write"])
    assert api(sim, "GET", f"workitems/{item['id']}", pat=reader).status_code == 200
    refused = api(sim, "POST", f"workItems/{item['id']}/comments", {"text": "x"}, version="7.1-preview.4",
                  pat=reader)
    assert refused.status_code == 403 and refused.json()["customProperties"]["RequiredScope"] == "vso.work_write"
    assert api(sim, "POST", f"workItems/{item['id']}/comments", {"text": "x"}, version="7.1-preview.4",
               pat=writer).status_code == 200
    code_only = sim.issue_pat(["vso.code"])
    assert api(sim, "POST", "wiql", {"query": "SELECT [System.Id] FROM WorkItems"}, pat=code_only).status_code == 403


def test_store_is_inspectable_in_process(sim: Simulator) -> None:
    item = create(sim, "inspect me", "inspect").json()
    store = work_items_of(sim.state)
    assert store.items[item["id"]]["fields"]["System.Title"] == "inspect me"
    assert store.next_id > item["id"]


def test_admin_inspection_lists_every_work_item_with_its_comments(sim: Simulator) -> None:
    item = create(sim, "listed").json()
    api(sim, "POST", f"workItems/{item['id']}/comments", {"text": "seen"}, version="7.1-preview.4")
    request = SimRequest(method="GET", host="_simulator", organization="contoso", path="workitems", path_params={},
                         query={}, headers={}, body=None, identity={}, state=sim.state)
    listed = {i["id"]: i for i in ADMIN_ROUTES[("GET", "workitems")](request).body["workItems"]}
    assert listed[item["id"]]["fields"]["System.Title"] == "listed"
    assert [c["text"] for c in listed[item["id"]]["comments"]] == ["seen"]
