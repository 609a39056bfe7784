"""Every paging style over HTTP across page boundaries on the medium preset: exactly the state's objects, once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from resmo_pipeline.simulator import Simulator, run_simulator

HEADER = "x-ms-continuationtoken"


@pytest.fixture(scope="module")
def medium() -> Iterator[Simulator]:
    with run_simulator(preset="medium", organization="fabrikam", seed=3) as sim:
        yield sim


@pytest.fixture(scope="module")
def http(medium: Simulator) -> requests.Session:
    session = requests.Session()
    session.auth = ("", medium.pat)
    return session


def get(sim: Simulator, http: requests.Session, host: str, path: str, version: str = "7.1",
        **params: str) -> requests.Response:
    response = http.get(f"{sim.base_url}/{host}/{sim.organization}/{path}",
                        params={**params, "api-version": version}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response


def follow_header(sim: Simulator, http: requests.Session, host: str, path: str, version: str = "7.1",
                  **params: str) -> tuple[list[dict[str, Any]], int]:
    """All items of a header-token endpoint, and the number of pages."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    pages = 0
    while True:
        extra = {"continuationToken": token} if token else {}
        response = get(sim, http, host, path, version, **params, **extra)
        body = response.json()
        assert body["count"] == len(body["value"])
        items += body["value"]
        pages += 1
        token = response.headers.get(HEADER)
        if not token:
            return items, pages


def follow_body(sim: Simulator, http: requests.Session, host: str, path: str, items_key: str,
                version: str = "7.1", **params: str) -> tuple[list[dict[str, Any]], int]:
    """All items of a body-token endpoint, and the number of pages."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    pages = 0
    while True:
        extra = {"continuationToken": token} if token else {}
        response = get(sim, http, host, path, version, **params, **extra)
        assert HEADER not in response.headers
        body = response.json()
        items += body[items_key]
        pages += 1
        token = body["continuationToken"]
        if "hasMore" in body:
            assert body["hasMore"] is (token is not None)
        if not token:
            return items, pages


def unique(values: list[Any]) -> set[Any]:
    assert len(values) == len(set(values)), "an item came twice"
    return set(values)


def test_projects_integer_token(medium: Simulator, http: requests.Session) -> None:
    projects, pages = follow_header(medium, http, "dev.azure.com", "_apis/projects", **{"$top": "7"})
    assert [p["id"] for p in projects] == [p["id"] for p in medium.state.projects]
    assert pages == 8
    first = get(medium, http, "dev.azure.com", "_apis/projects", **{"$top": "7"})
    assert first.headers[HEADER] == "7"
    default = get(medium, http, "dev.azure.com", "_apis/projects").json()
    assert default["count"] == 50


def test_graph_opaque_tokens(medium: Simulator, http: requests.Session) -> None:
    state = medium.state
    users, pages = follow_header(medium, http, "vssps.dev.azure.com", "_apis/graph/users", "7.1-preview.1")
    expected = {d for d, s in state.subjects.items() if s["subjectKind"] == "user"}
    assert unique([u["descriptor"] for u in users]) == expected
    assert pages == -(-len(expected) // 500) and pages > 10
    groups, group_pages = follow_header(medium, http, "vssps.dev.azure.com", "_apis/graph/groups", "7.1-preview.1")
    assert unique([g["descriptor"] for g in groups]) == {d for d, s in state.subjects.items()
                                                         if s["subjectKind"] == "group"}
    assert group_pages == -(-len(groups) // 500)


def test_user_entitlements_body_token(medium: Simulator, http: requests.Session) -> None:
    entitlements, pages = follow_body(medium, http, "vsaex.dev.azure.com", "_apis/userentitlements", "members")
    assert unique([e["id"] for e in entitlements]) == {medium.state.subjects[d]["_id"]
                                                      for d in medium.state.entitlements}
    assert pages == 50


def test_audit_log_body_token_oldest_first(medium: Simulator, http: requests.Session) -> None:
    entries, pages = follow_body(medium, http, "auditservice.dev.azure.com", "_apis/audit/auditlog",
                                 "decoratedAuditLogEntries", "7.1-preview.1")
    assert unique([e["id"] for e in entries]) == {e["id"] for e in medium.state.audit_log}
    assert pages == -(-len(medium.state.audit_log) // 200)
    stamps = [e["timestamp"] for e in entries]
    assert stamps == sorted(stamps)
    middle = medium.state.audit_log[len(medium.state.audit_log) // 2]["timestamp"]
    window, _ = follow_body(medium, http, "auditservice.dev.azure.com", "_apis/audit/auditlog",
                            "decoratedAuditLogEntries", "7.1-preview.1", startTime=middle, batchSize="50")
    assert window and all(e["timestamp"] >= middle for e in window)
    assert len(window) == sum(1 for e in medium.state.audit_log if e["timestamp"] >= middle)


def test_token_admin_body_token(medium: Simulator, http: requests.Session) -> None:
    descriptor, tokens = max(medium.state.pats.items(), key=lambda kv: len(kv[1]))
    pats, pages = follow_body(medium, http, "vssps.dev.azure.com",
                              f"_apis/tokenadmin/personalaccesstokens/{descriptor}", "value", pageSize="1")
    assert unique([p["authorizationId"] for p in pats]) == {t["authorizationId"] for t in tokens}
    assert pages == len(tokens)


def test_refs_header_token_limits(medium: Simulator, http: requests.Session) -> None:
    state = medium.state
    repo = max(state.repositories, key=lambda r: len(state.refs[r["id"]]))
    expected = {r["name"] for r in state.refs[repo["id"]]}
    path = f"{repo['project']['id']}/_apis/git/repositories/{repo['id']}/refs"
    everything = get(medium, http, "dev.azure.com", path).json()
    assert everything["count"] == len(expected) > 200
    first = get(medium, http, "dev.azure.com", path, **{"$top": "30"})
    assert first.json()["count"] == 30
    second = get(medium, http, "dev.azure.com", path, continuationToken=first.headers[HEADER])
    assert second.json()["count"] == 100  # a token without $top pages by 100
    refs, pages = follow_header(medium, http, "dev.azure.com", path, **{"$top": "50"})
    assert unique([r["name"] for r in refs]) == expected and pages == -(-len(expected) // 50)


def test_per_project_header_tokens(medium: Simulator, http: requests.Session) -> None:
    state = medium.state
    project = max(state.projects, key=lambda p: len(state.policy_configurations[p["id"]]))
    pid = project["id"]
    policies, pages = follow_header(medium, http, "dev.azure.com", f"{pid}/_apis/policy/configurations",
                                    **{"$top": "3"})
    assert unique([p["id"] for p in policies]) == {p["id"] for p in state.policy_configurations[pid]}
    assert pages > 1
    git_policies, _ = follow_header(medium, http, "dev.azure.com", f"{pid}/_apis/git/policy/configurations",
                                    **{"$top": "2"})
    assert unique([p["id"] for p in git_policies]) == {p["id"] for p in state.policy_configurations[pid]}
    definitions, pages = follow_header(medium, http, "dev.azure.com", f"{pid}/_apis/build/definitions",
                                       includeAllProperties="true", **{"$top": "3"})
    assert unique([d["id"] for d in definitions]) == {d["id"] for d in state.build_definitions[pid]}
    assert pages > 1 and all("process" in d for d in definitions)
    pipelines, _ = follow_header(medium, http, "dev.azure.com", f"{pid}/_apis/pipelines", **{"$top": "4"})
    assert [p["name"].lower() for p in pipelines] == sorted(d["name"].lower() for d in state.build_definitions[pid])
    environments, pages = follow_header(medium, http, "dev.azure.com", f"{pid}/_apis/distributedtask/environments",
                                        **{"$top": "1"})
    assert unique([e["id"] for e in environments]) == {e["id"] for e in state.environments[pid]} and pages == 2
    releases, _ = follow_header(medium, http, "vsrm.dev.azure.com", f"{pid}/_apis/release/definitions",
                                **{"$top": "1"})
    assert unique([r["id"] for r in releases]) == {r["id"] for r in state.release_definitions[pid]}


def test_teams_and_members_top_skip(medium: Simulator, http: requests.Session) -> None:
    state = medium.state

    def pages_of(path: str, top: int, version: str = "7.1") -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        skip = 0
        while True:
            page = get(medium, http, "dev.azure.com", path, version, **{"$top": str(top), "$skip": str(skip)})
            assert HEADER not in page.headers
            values = page.json()["value"]
            items += values
            skip += top
            if len(values) < top:
                return items

    all_teams = pages_of("_apis/teams", 20, "7.1-preview.3")
    assert unique([t["id"] for t in all_teams]) == {t["id"] for ts in state.teams.values() for t in ts}
    project = max(state.projects, key=lambda p: len(state.teams[p["id"]]))
    teams = pages_of(f"_apis/projects/{project['id']}/teams", 1)
    assert unique([t["id"] for t in teams]) == {t["id"] for t in state.teams[project["id"]]}
    team = max((t for ts in state.teams.values() for t in ts), key=lambda t: len(state.team_members[t["id"]]))
    members = pages_of(f"_apis/projects/{team['projectId']}/teams/{team['id']}/members", 5)
    assert len(members) == len(state.team_members[team["id"]]) > 5


def test_variable_groups_id_cursor(medium: Simulator, http: requests.Session) -> None:
    state = medium.state
    counts: dict[str, int] = {}
    for group in state.variable_groups:
        for ref in group["variableGroupProjectReferences"]:
            counts[ref["projectReference"]["id"]] = counts.get(ref["projectReference"]["id"], 0) + 1
    pid = max(counts, key=lambda k: counts[k])
    expected = sorted(g["id"] for g in state.variable_groups
                      if any(r["projectReference"]["id"] == pid for r in g["variableGroupProjectReferences"]))
    path = f"{pid}/_apis/distributedtask/variablegroups"
    ascending: list[int] = []
    cursor = None
    while True:
        params = {"$top": "2", "queryOrder": "IdAscending", **({"continuationToken": str(cursor)} if cursor else {})}
        response = get(medium, http, "dev.azure.com", path, **params)
        assert HEADER not in response.headers
        ids = [g["id"] for g in response.json()["value"]]
        ascending += ids
        if len(ids) < 2:
            break
        cursor = ids[-1] + 1
    assert ascending == expected and len(expected) > 2
    descending = [g["id"] for g in get(medium, http, "dev.azure.com", path).json()["value"]]
    assert descending == sorted(expected, reverse=True)


def test_unpaged_lists_return_everything(medium: Simulator, http: requests.Session) -> None:
    state = medium.state
    repos = get(medium, http, "dev.azure.com", "_apis/git/repositories")
    assert HEADER not in repos.headers
    assert unique([r["id"] for r in repos.json()["value"]]) == {r["id"] for r in state.repositories}
    project = state.projects[0]
    endpoints = get(medium, http, "dev.azure.com", f"{project['id']}/_apis/serviceendpoint/endpoints").json()
    assert {e["id"] for e in endpoints["value"]} == {
        e["id"] for e in state.service_endpoints
        if any(r["projectReference"]["id"] == project["id"] for r in e["serviceEndpointProjectReferences"])}
    pools = get(medium, http, "dev.azure.com", "_apis/distributedtask/pools").json()
    assert pools["count"] == len(state.pools)


def test_expired_tokens_on_every_token_style() -> None:
    """With the expire-token fault always on, a first page works and every follow-up token is refused."""
    with run_simulator(preset="demo", fault_rate=1.0, fault_kinds=("expire_token",)) as sim:
        session = requests.Session()
        session.auth = ("", sim.pat)
        state = sim.state
        project = state.projects[0]["id"]
        cases = [
            ("dev.azure.com", "_apis/projects", "7.1", {"$top": "1"}, "header"),
            ("vssps.dev.azure.com", "_apis/graph/users", "7.1-preview.1", {}, "opaque"),
            ("dev.azure.com", f"{project}/_apis/policy/configurations", "7.1", {"$top": "1"}, "header"),
            ("auditservice.dev.azure.com", "_apis/audit/auditlog", "7.1-preview.1", {"batchSize": "1"}, "body"),
            ("vsaex.dev.azure.com", "_apis/userentitlements", "7.1", {}, "opaque"),
            ("dev.azure.com", f"{project}/_apis/distributedtask/variablegroups", "7.1", {"$top": "1"}, "cursor"),
        ]
        for host, path, version, params, style in cases:
            first = get(sim, session, host, path, version, **params)
            token = {"header": first.headers.get(HEADER), "body": first.json().get("continuationToken"),
                     "cursor": "1", "opaque": "eyJ4IjoxfQ"}[style]
            assert token, path
            refused = session.get(f"{sim.base_url}/{host}/{sim.organization}/{path}",
                                  params={**params, "continuationToken": token, "api-version": version}, timeout=30)
            assert refused.status_code == 400, (path, refused.text[:200])
            assert refused.json()["typeKey"] == "InvalidContinuationTokenException"
        assert sim.stats()["faults"]


# Revisions the medium simulator never reaches by itself: setting one makes every cached view stale.
UNUSED_REVISIONS = itertools.count(1_000_000)


class CountingDict(dict):
    """A dict that counts item lookups (`d[key]`): how many objects a handler touched."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lookups = 0

    def __getitem__(self, key: Any) -> Any:
        self.lookups += 1
        return super().__getitem__(key)


def test_entitlement_pages_touch_only_their_own_items(medium: Simulator, http: requests.Session,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression guard: after the first page, a page of 100 entitlements looks at about 100 subjects, not all
    5,000 (a page that filters or sorts the whole organization again would touch every one)."""
    state = medium.state
    subjects = CountingDict(state.subjects)
    monkeypatch.setattr(state, "subjects", subjects)
    monkeypatch.setattr(state, "revision", next(UNUSED_REVISIONS))  # views earlier tests built are not reused
    touched: list[int] = []
    token = None
    while True:
        before = subjects.lookups
        body = get(medium, http, "vsaex.dev.azure.com", "_apis/userentitlements",
                   **({"continuationToken": token} if token else {})).json()
        touched.append(subjects.lookups - before)
        token = body["continuationToken"]
        if not token:
            break
    users = len(state.entitlements)
    assert len(touched) == 50 and touched[0] >= users  # the first page builds the sorted view
    groups_per_user = max(len(state.memberships_up.get(d, [])) for d in state.entitlements)
    assert max(touched[1:]) <= 100 * (2 + groups_per_user) < users


def test_every_paged_listing_builds_its_view_once_per_crawl(medium: Simulator, http: requests.Session,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression guard: paging through a listing reuses one filtered, sorted view instead of rebuilding it per
    page; a data change (new revision) builds it again."""
    state = medium.state
    monkeypatch.setattr(state, "revision", next(UNUSED_REVISIONS))
    before = dict(state.page_cache.builds)

    def built() -> dict[Any, int]:
        return {kind: n - before.get(kind, 0) for kind, n in state.page_cache.builds.items()
                if n != before.get(kind, 0)}

    _, entitlement_pages = follow_body(medium, http, "vsaex.dev.azure.com", "_apis/userentitlements", "members")
    _, graph_pages = follow_header(medium, http, "vssps.dev.azure.com", "_apis/graph/users", "7.1-preview.1")
    _, audit_pages = follow_body(medium, http, "auditservice.dev.azure.com", "_apis/audit/auditlog",
                                 "decoratedAuditLogEntries", "7.1-preview.1")
    _, project_pages = follow_header(medium, http, "dev.azure.com", "_apis/projects", **{"$top": "7"})
    pid = max(state.projects, key=lambda p: len(state.build_definitions[p["id"]]))["id"]
    _, definition_pages = follow_header(medium, http, "dev.azure.com", f"{pid}/_apis/build/definitions",
                                        **{"$top": "2"})
    assert min(entitlement_pages, graph_pages, audit_pages, project_pages, definition_pages) > 2
    listings = ("entitlements", "graph", "audit_log", "projects", "build_definitions")
    assert {kind: built().get(kind) for kind in listings} == dict.fromkeys(listings, 1)
    monkeypatch.setattr(state, "revision", next(UNUSED_REVISIONS))
    follow_body(medium, http, "vsaex.dev.azure.com", "_apis/userentitlements", "members")
    assert built()["entitlements"] == 2
