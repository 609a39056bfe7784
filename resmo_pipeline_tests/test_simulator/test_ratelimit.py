"""Rate limiting: warning headers, delays, 429 blocks, per-identity budgets and the sliding window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from resmo_pipeline.simulator import RateLimitConfig, Simulator, run_simulator
from resmo_pipeline.simulator.ratelimit import RateLimiter
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, json_response
from resmo_pipeline.simulator.server import minimal_state

# Each request costs 0.25 TSTU of a 1 TSTU budget: headers from the 3rd request (> 0.5), delays from the 5th
# (> 1.0), blocked from the 9th (> 2.0).
TIGHT = {"limit": 1.0, "window_s": 300, "warning_fraction": 0.5, "block_factor": 2.0, "delay_per_tstu_s": 0.1,
         "cost": 0.25}


def ok(request: SimRequest) -> SimResponse:
    return json_response({"count": 0, "value": []})


ROUTES = [Route("GET", "dev.azure.com", "_apis/projects", ok, scope="")]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with run_simulator(state=minimal_state(), routes=ROUTES, rate_limit=True, rate_limit_config=TIGHT) as running:
        yield running


def get(sim: Simulator, pat: str | None = None) -> requests.Response:
    return requests.get(
        f"{sim.base_url}/dev.azure.com/contoso/_apis/projects?api-version=7.1", auth=("", pat or sim.pat),
    )


def test_headers_then_delay_then_429(sim: Simulator) -> None:
    answers = [get(sim) for _ in range(9)]
    assert [a.status_code for a in answers] == [200] * 8 + [429]
    assert "X-RateLimit-Limit" not in answers[1].headers
    warned = answers[2].headers
    assert (warned["X-RateLimit-Resource"], warned["X-RateLimit-Limit"], warned["X-RateLimit-Remaining"]) == (
        "ATCPU", "1", "0.25",
    )
    assert int(warned["X-RateLimit-Reset"]) > 0
    assert "X-RateLimit-Delay" not in warned
    delayed = answers[4].headers
    assert float(delayed["X-RateLimit-Delay"]) == pytest.approx(0.025, abs=0.001)
    assert delayed["X-RateLimit-Remaining"] == "0"
    assert int(delayed["Retry-After"]) >= 1
    blocked = answers[8]
    assert int(blocked.headers["Retry-After"]) >= 1
    body = blocked.json()
    assert body["typeKey"] == "RequestBlockedException"
    assert body["message"].startswith("TF400733: The request has been canceled: Request was blocked")
    stats = sim.stats()["throttled"]
    assert (stats["delayed"], stats["blocked"]) == (4, 1)
    assert stats["delay_s"] == pytest.approx(0.025 + 0.05 + 0.075 + 0.1, abs=0.001)


def test_budgets_are_per_identity(sim: Simulator) -> None:
    for _ in range(9):
        get(sim)
    assert get(sim).status_code == 429
    # Every PAT here belongs to the same user, so the budget is shared ...
    assert get(sim, sim.issue_pat(("app_token",))).status_code == 429
    # ... while the service principal (bearer token) has its own.
    with requests.Session() as entra:
        entra.trust_env = False
        token = entra.post(
            f"{sim.entra.authority}/oauth2/v2.0/token", verify=sim.entra.ca_file,
            data={"grant_type": "client_credentials", "client_id": sim.entra.client_id,
                  "client_secret": sim.entra.client_secret, "scope": sim.entra.scope},
        ).json()["access_token"]
    response = requests.get(
        f"{sim.base_url}/dev.azure.com/contoso/_apis/projects?api-version=7.1",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_rate_limit_is_off_by_default() -> None:
    with run_simulator(state=minimal_state(), routes=ROUTES, rate_limit_config=TIGHT) as sim:
        answers = [get(sim) for _ in range(12)]
    assert {a.status_code for a in answers} == {200}
    assert not any("X-RateLimit-Limit" in a.headers for a in answers)


def test_usage_slides_out_of_the_window() -> None:
    limiter = RateLimiter(RateLimitConfig.from_value({**TIGHT, "window_s": 10}))
    for second in range(8):
        assert limiter.admit("u", 0.05, now=100.0 + second * 0.1).blocked is None
    blocked = limiter.admit("u", 0.05, now=101.0)
    assert blocked.blocked is not None
    assert int(blocked.blocked.headers["Retry-After"]) == 10
    assert limiter.admit("u", 0.05, now=110.8).headers == {}  # every earlier request left the window


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="limt"):
        RateLimitConfig.from_value({"limt": 5})


def test_defaults_are_the_services() -> None:
    config = RateLimitConfig()
    assert (config.limit, config.window_s, config.max_delay_s) == (200.0, 300.0, 30.0)
