"""Injected faults over HTTP: 500, 503, dropped connections, slow answers, expired continuation tokens."""

from __future__ import annotations

import pytest
import requests

from resmo_pipeline.simulator import run_simulator
from resmo_pipeline.simulator.faults import FaultInjector
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, expired_token, json_response
from resmo_pipeline.simulator.server import minimal_state


def paged(request: SimRequest) -> SimResponse:
    """Two pages of projects; a continuation token may be declared expired by the fault injector."""
    if request.param("continuationToken") is None:
        return json_response({"count": 1, "value": [1]}, headers={"x-ms-continuationtoken": "1"})
    if request.faults.should_expire_token():
        return expired_token()
    return json_response({"count": 1, "value": [2]})


def paged_via_state(request: SimRequest) -> SimResponse:
    """The same, asking the state's hook (how data.py-based paging code asks)."""
    if request.param("continuationToken") and request.state.faults.should_expire_token():
        return expired_token()
    return json_response({"count": 1, "value": [2]})


ROUTES = [
    Route("GET", "dev.azure.com", "_apis/projects", paged, scope=""),
    Route("GET", "dev.azure.com", "_apis/teams", paged_via_state, scope=""),
]


def state_with_hook() -> object:
    state = minimal_state()
    state.faults = None
    return state


def get(base_url: str, pat: str, query: str = "", resource: str = "projects") -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(
            f"{base_url}/dev.azure.com/contoso/_apis/{resource}?api-version=7.1{query}", auth=("", pat), timeout=10,
        )


@pytest.mark.parametrize(("kind", "status", "type_key"), [
    ("500", 500, "InvalidOperationException"), ("503", 503, "ServiceUnavailableException"),
])
def test_server_errors(kind: str, status: int, type_key: str) -> None:
    with run_simulator(state=minimal_state(), routes=ROUTES, fault_rate=1.0, fault_kinds=[kind]) as sim:
        response = get(sim.base_url, sim.pat)
        assert response.status_code == status
        assert response.json()["typeKey"] == type_key
        assert sim.stats()["faults"] == {kind: 1}
        if status == 503:
            assert response.headers["Retry-After"] == "1"


def test_dropped_connection_answers_nothing() -> None:
    with run_simulator(state=minimal_state(), routes=ROUTES, fault_rate=1.0, fault_kinds=["drop"]) as sim:
        with pytest.raises(requests.ConnectionError):
            get(sim.base_url, sim.pat)
        assert sim.stats()["faults"] == {"drop": 1}
        assert sim.stats()["statuses"] == {"0": 1}


def test_slow_answers_still_succeed() -> None:
    with run_simulator(
        state=minimal_state(), routes=ROUTES, fault_rate=1.0, fault_kinds=["slow"], slow_s=0.2,
    ) as sim:
        assert get(sim.base_url, sim.pat).json()["value"] == [1]
        assert sim.stats()["faults"] == {"slow": 1}


@pytest.mark.parametrize("resource", ["projects", "teams"])
def test_expired_continuation_token(resource: str) -> None:
    with run_simulator(
        state=state_with_hook(), routes=ROUTES, fault_rate=1.0, fault_kinds=["expire_token"],
    ) as sim:
        first = get(sim.base_url, sim.pat, resource=resource)
        assert first.status_code == 200, "a first page has no token to expire"
        expired = get(sim.base_url, sim.pat, "&continuationToken=1", resource=resource)
        assert expired.status_code == 400
        assert expired.json()["typeKey"] == "InvalidContinuationTokenException"
        assert sim.stats()["faults"] == {"expire_token": 1}


def test_no_faults_without_a_rate_and_never_on_admin_or_discovery() -> None:
    with run_simulator(state=minimal_state(), routes=ROUTES) as sim:
        assert all(get(sim.base_url, sim.pat).ok for _ in range(20))
    with run_simulator(state=minimal_state(), routes=ROUTES, fault_rate=1.0, fault_kinds=["500"]) as sim:
        assert requests.get(f"{sim.admin_url}/stats").ok
        areas = requests.get(
            f"{sim.base_url}/dev.azure.com/contoso/_apis/ResourceAreas?api-version=7.1-preview.1",
            auth=("", sim.pat),
        )
        assert areas.ok
        assert sim.stats()["faults"] == {}


def test_faults_are_deterministic_by_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with run_simulator(
            state=minimal_state(), routes=ROUTES, seed=seed, fault_rate=0.4, fault_kinds=["500", "503"],
        ) as sim:
            return [get(sim.base_url, sim.pat).status_code for _ in range(30)]

    first = statuses(11)
    assert first == statuses(11)
    assert first != statuses(12)
    assert {200, 500, 503} <= set(first)


def test_rate_and_kinds_are_validated() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultInjector(rate=1.5)
    with pytest.raises(ValueError, match="unknown fault kinds"):
        FaultInjector(rate=0.1, kinds=["teapot"])
