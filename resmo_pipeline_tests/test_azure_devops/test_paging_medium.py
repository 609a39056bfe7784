"""Every paging style across page boundaries on the medium preset, compared with the simulator's own state.

Page sizes are chosen small so each listing crosses many page boundaries; the result must be exactly the
state's objects, with no duplicates and nothing missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, Endpoint, Paging, PatCredential
from resmo_pipeline.simulator import Simulator, run_simulator

PROJECTS = Endpoint("dev.azure.com", "_apis/projects", "7.1", Paging.HEADER_TOKEN, page_size=7,
                    params={"stateFilter": "all"})
GRAPH_USERS = Endpoint("vssps.dev.azure.com", "_apis/graph/users", "7.1-preview.1", Paging.HEADER_TOKEN)
ENTITLEMENTS = Endpoint("vsaex.dev.azure.com", "_apis/userentitlements", "7.1", Paging.BODY_TOKEN,
                        items_key="members")
TEAMS = Endpoint("dev.azure.com", "_apis/projects/{projectId}/teams", "7.1", Paging.TOP_SKIP, page_size=2)
ALL_TEAMS = Endpoint("dev.azure.com", "_apis/teams", "7.1-preview.3", Paging.TOP_SKIP, page_size=9)
TEAM_MEMBERS = Endpoint("dev.azure.com", "_apis/projects/{projectId}/teams/{teamId}/members", "7.1",
                        Paging.TOP_SKIP, page_size=5)
VARIABLE_GROUPS = Endpoint("dev.azure.com", "{project}/_apis/distributedtask/variablegroups", "7.1",
                           Paging.ID_CURSOR, page_size=2)
REPOSITORIES = Endpoint("dev.azure.com", "{project}/_apis/git/repositories", "7.1")
AUDIT_LOG = Endpoint("auditservice.dev.azure.com", "_apis/audit/auditlog", "7.1-preview.1", Paging.BODY_TOKEN,
                     items_key="decoratedAuditLogEntries", page_size=150, page_size_param="batchSize")
SUBJECT_LOOKUP = Endpoint("vssps.dev.azure.com", "_apis/graph/subjectlookup", "7.1-preview.1")


@pytest.fixture(scope="module")
def medium() -> Iterator[Simulator]:
    with run_simulator(preset="medium", organization="fabrikam", seed=3) as sim:
        yield sim


@pytest.fixture(scope="module")
def client(medium: Simulator) -> Iterator[AzureDevOpsClient]:
    with AzureDevOpsClient(medium.organization, PatCredential(medium.pat), base_url=medium.base_url,
                           concurrency=8) as client:
        yield client


def assert_unique(keys: list[str]) -> None:
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_header_token_projects_with_integer_tokens(medium: Simulator, client: AzureDevOpsClient) -> None:
    ids = [p["id"] for p in client.list(PROJECTS)]
    assert_unique(ids)
    assert sorted(ids) == sorted(p["id"] for p in medium.state.projects)
    assert len(ids) > 2 * PROJECTS.page_size


def test_header_token_graph_users_with_opaque_tokens(medium: Simulator, client: AzureDevOpsClient) -> None:
    descriptors = [u["descriptor"] for u in client.list(GRAPH_USERS)]
    assert_unique(descriptors)
    expected = sorted(d for d, s in medium.state.subjects.items() if s["subjectKind"] == "user")
    assert sorted(descriptors) == expected
    assert client.stats.per_endpoint["_apis/graph/users"].requests >= len(expected) // 500


def test_body_token_user_entitlements(medium: Simulator, client: AzureDevOpsClient) -> None:
    members = client.list(ENTITLEMENTS)
    ids = [m["id"] for m in members]
    assert_unique(ids)
    assert len(ids) == len(medium.state.entitlements) > 100
    assert {m["user"]["descriptor"] for m in members} == set(medium.state.entitlements)
    assert not [m for m in client.stats.totals_mismatches if m.endpoint == ENTITLEMENTS.path]


def test_body_token_audit_log_while_has_more(medium: Simulator, client: AzureDevOpsClient) -> None:
    entries = client.list(AUDIT_LOG)
    assert [e["id"] for e in entries] == [e["id"] for e in sorted(medium.state.audit_log,
                                                                  key=lambda e: (e["timestamp"], e["id"]))]
    assert len(entries) > 3 * AUDIT_LOG.page_size


def test_top_skip_teams_and_members_fanned_out_per_project(medium: Simulator, client: AzureDevOpsClient) -> None:
    state = medium.state
    per_project = client.map(lambda p: client.list(TEAMS, {"projectId": p["id"]}), state.projects)
    for project, teams in zip(state.projects, per_project, strict=True):
        assert [t["id"] for t in teams] == [t["id"] for t in state.teams[project["id"]]]
    every_team = client.list(ALL_TEAMS)
    assert [t["id"] for t in every_team] == [t["id"] for p in state.projects for t in state.teams[p["id"]]]
    biggest = max((t for p in state.projects for t in state.teams[p["id"]]),
                  key=lambda t: len(state.team_members[t["id"]]))
    members = client.list(TEAM_MEMBERS, {"projectId": biggest["projectId"], "teamId": biggest["id"]})
    assert len(members) == len(state.team_members[biggest["id"]]) > TEAM_MEMBERS.page_size
    assert [m["identity"]["id"] for m in members] == [m["identity"]["id"] for m in state.team_members[biggest["id"]]]


def test_id_cursor_variable_groups(medium: Simulator, client: AzureDevOpsClient) -> None:
    state = medium.state
    per_project = client.map(lambda p: client.list(VARIABLE_GROUPS, {"project": p["name"]}), state.projects)
    for project, groups in zip(state.projects, per_project, strict=True):
        expected = sorted(g["id"] for g in state.variable_groups
                          if any(r["projectReference"]["id"] == project["id"]
                                 for r in g["variableGroupProjectReferences"]))
        assert [g["id"] for g in groups] == expected
    assert max(len(g) for g in per_project) > VARIABLE_GROUPS.page_size


def test_no_paging_repositories_with_names_that_need_encoding(medium: Simulator, client: AzureDevOpsClient) -> None:
    state = medium.state
    per_project = client.map(lambda p: client.list(REPOSITORIES, {"project": p["name"]}), state.projects)
    found = sorted(r["id"] for repos in per_project for r in repos)
    assert found == sorted(r["id"] for r in state.repositories)


def test_dict_valued_subject_lookup(medium: Simulator, client: AzureDevOpsClient) -> None:
    wanted = sorted(medium.state.subjects)[:25]
    subjects = client.list(SUBJECT_LOOKUP, body={"lookupKeys": [{"descriptor": d} for d in wanted]})
    assert sorted(s["descriptor"] for s in subjects) == wanted
