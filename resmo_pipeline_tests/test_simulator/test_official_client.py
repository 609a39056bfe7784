"""The official `azure-devops` Python client, used as its documentation shows, reads the simulator.

It discovers hosts through `_apis/resourceAreas` and route templates through `OPTIONS _apis`, so this proves
the simulator's location discovery and envelopes are what the real service answers. Results are compared
with the simulator's own data model.
"""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator import Simulator


def project_ids(simulator: Simulator) -> list[str]:
    return [p["id"] for p in simulator.state.projects if p["state"] == "wellFormed"]


def test_projects_through_the_released_client(connection: Any, simulator: Simulator) -> None:
    projects = connection.clients.get_core_client().get_projects()
    assert sorted(p.id for p in projects) == sorted(project_ids(simulator))
    assert {p.name for p in projects} == {p["name"] for p in simulator.state.projects if p["state"] == "wellFormed"}


def test_teams(connection: Any, simulator: Simulator) -> None:
    core = connection.clients_v7_1.get_core_client()
    for project_id in project_ids(simulator):
        teams = core.get_teams(project_id)
        assert sorted(t.id for t in teams) == sorted(t["id"] for t in simulator.state.teams[project_id])


def test_repositories_and_refs(connection: Any, simulator: Simulator) -> None:
    git = connection.clients_v7_1.get_git_client()
    for project_id in project_ids(simulator):
        repositories = git.get_repositories(project_id)
        expected = [r for r in simulator.state.repositories if r["project"]["id"] == project_id]
        assert sorted(r.id for r in repositories) == sorted(r["id"] for r in expected)
    repository = simulator.state.repositories[0]
    refs = git.get_refs(repository["id"], repository["project"]["id"])
    assert sorted(r.name for r in refs) == sorted(r["name"] for r in simulator.state.refs[repository["id"]])
    assert refs, "the first repository has branches"


def test_build_definitions(connection: Any, simulator: Simulator) -> None:
    build = connection.clients_v7_1.get_build_client()
    for project_id in project_ids(simulator):
        definitions = build.get_definitions(project_id)
        expected = simulator.state.build_definitions.get(project_id, [])
        assert sorted(d.id for d in definitions) == sorted(d["id"] for d in expected)


def shared_with(items: list[dict[str, Any]], references: str, project_id: str) -> list[Any]:
    return sorted(i["id"] for i in items if any(r["projectReference"]["id"] == project_id for r in i[references]))


def test_service_endpoints_and_variable_groups(connection: Any, simulator: Simulator) -> None:
    endpoints = connection.clients_v7_1.get_service_endpoint_client()
    agent = connection.clients_v7_1.get_task_agent_client()
    state = simulator.state
    for project_id in project_ids(simulator):
        found = endpoints.get_service_endpoints(project_id)
        assert sorted(e.id for e in found) == shared_with(
            state.service_endpoints, "serviceEndpointProjectReferences", project_id,
        )
        groups = agent.get_variable_groups(project_id)
        assert sorted(g.id for g in groups) == shared_with(
            state.variable_groups, "variableGroupProjectReferences", project_id,
        )


def test_graph_users_and_groups(connection: Any, simulator: Simulator) -> None:
    graph = connection.clients_v7_1.get_graph_client()
    subjects = simulator.state.subjects.values()
    users = graph.list_users()
    assert users.continuation_token in (None, [], [""]), "the demo organization fits in one page"
    assert sorted(u.descriptor for u in users.graph_users) == sorted(
        s["descriptor"] for s in subjects if s["subjectKind"] == "user"
    )
    groups = graph.list_groups()
    assert sorted(g.descriptor for g in groups.graph_groups) == sorted(
        s["descriptor"] for s in subjects if s["subjectKind"] == "group"
    )


def test_discovery_was_served_by_the_simulator(connection: Any, simulator: Simulator) -> None:
    connection.clients.get_core_client().get_projects()
    routes = simulator.stats()["routes"]
    assert routes["GET dev.azure.com/_apis/ResourceAreas"]["requests"] >= 1
    assert routes["OPTIONS dev.azure.com/_apis"]["requests"] >= 1
