"""The official `azure-devops` Python client reads service hook subscriptions, deployment groups and deployment
targets from the simulator, finding each route through OPTIONS location discovery (same fixtures as
test_official_client.py)."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator import Simulator


def test_service_hook_subscriptions(connection: Any, simulator: Simulator) -> None:
    hooks = connection.clients_v7_1.get_service_hooks_client()
    subscriptions = hooks.list_subscriptions()
    expected = simulator.state.service_hook_subscriptions
    assert sorted(s.id for s in subscriptions) == sorted(s["id"] for s in expected)
    assert {s.consumer_id for s in subscriptions} >= {"webHooks", "slack", "teams"}
    assert {s.status for s in subscriptions} >= {"enabled", "disabledByUser"}
    slack = hooks.list_subscriptions(consumer_id="slack")
    assert [s.consumer_id for s in slack] == ["slack"]


def test_deployment_groups_and_targets(connection: Any, simulator: Simulator) -> None:
    agent = connection.clients_v7_1.get_task_agent_client()
    state = simulator.state
    seen_targets = 0
    for project in state.projects:
        groups = agent.get_deployment_groups(project["id"], expand="machines")
        expected = state.deployment_groups.get(project["id"], [])
        assert sorted(g.id for g in groups) == sorted(g["id"] for g in expected)
        for group in groups:
            assert group.pool.pool_type == "deployment"
            assert group.machine_count == len(group.machines or [])
            targets = agent.get_deployment_targets(project["id"], group.id,
                                                   expand="capabilities,assignedRequest,lastCompletedRequest")
            assert sorted(t.agent.name for t in targets) == sorted(
                m["agent"]["name"] for m in state.deployment_targets[group.id])
            seen_targets += len(targets)
            for target in targets:
                if target.agent.last_completed_request is not None:
                    assert target.agent.last_completed_request.definition.name
    assert seen_targets == sum(len(m) for m in state.deployment_targets.values()) > 0
    web = next(p["id"] for p in state.projects if p["name"] == "Contoso Web")
    servers = state.deployment_groups[web][0]["id"]
    offline = agent.get_deployment_targets(web, servers, agent_status="offline")
    assert [t.agent.status for t in offline] == ["offline"]


def test_the_routes_were_found_through_discovery(connection: Any, simulator: Simulator) -> None:
    connection.clients_v7_1.get_service_hooks_client().list_subscriptions()
    routes = simulator.stats()["routes"]
    assert routes["GET dev.azure.com/_apis/hooks/subscriptions"]["requests"] >= 1
    assert routes["OPTIONS dev.azure.com/_apis"]["requests"] >= 1
