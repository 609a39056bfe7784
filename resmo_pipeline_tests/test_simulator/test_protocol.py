"""The simulator's protocol layer over real HTTP: addressing, api-version, credentials, scopes, headers.

These tests serve a handful of hand-made routes on a bare organization, so they test the server and
protocol rules independently of the generated data.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, json_response
from resmo_pipeline.simulator.server import HOSTS, minimal_state

ERROR_KEYS = {"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"}
ORGLESS = "app.vssps.visualstudio.com"


def echo(request: SimRequest) -> SimResponse:
    """Tell the caller what the server parsed."""
    return json_response(
        {
            "host": request.host,
            "organization": request.organization,
            "path": request.path,
            "params": request.path_params,
            "identity": {k: v for k, v in request.identity.items() if k != "scopes"},
        }
    )


def explode(request: SimRequest) -> SimResponse:
    """An endpoint with a bug."""
    raise RuntimeError("boom")


ROUTES = [
    *(Route("GET", host, "_apis/ping", echo, scope="") for host in HOSTS),
    Route("GET", "dev.azure.com", "{project}/_apis/git/repositories/{repositoryId}", echo, scope="vso.code"),
    Route("POST", "dev.azure.com", "{project}/_apis/git/repositories", echo, scope="vso.code_write"),
    Route("GET", "dev.azure.com", "_apis/projects", echo, scope="vso.project"),
    Route("GET", "vssps.dev.azure.com", "_apis/graph/users", echo, scope="vso.graph", preview_only=True),
    Route("GET", "dev.azure.com", "_apis/broken", explode, scope=""),
    Route("GET", "dev.azure.com", "_apis/repr", lambda request: json_response({"repr": repr(request)}), scope=""),
    Route("GET", "dev.azure.com", "_apis/nothing", lambda request: None, scope=""),  # type: ignore[arg-type,return-value]
]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with run_simulator(state=minimal_state("contoso"), routes=ROUTES) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def url(sim: Simulator, host: str, path: str, version: str | None = "7.1") -> str:
    prefix = f"{sim.base_url}/{host}" if host == ORGLESS else f"{sim.base_url}/{host}/{sim.organization}"
    return f"{prefix}/{path}" + (f"?api-version={version}" if version else "")


def test_every_host_is_served_at_base_url_slash_host(sim: Simulator, http: requests.Session) -> None:
    for host in HOSTS:
        response = http.get(url(sim, host, "_apis/ping"), auth=("", sim.pat))
        assert response.status_code == 200, host
        body = response.json()
        assert body["host"] == host
        assert body["organization"] == (None if host == ORGLESS else "contoso")


def test_paths_hosts_and_organization_match_case_insensitively(sim: Simulator, http: requests.Session) -> None:
    response = http.get(
        f"{sim.base_url}/DEV.Azure.com/CONTOSO/MyProject/_APIS/Git/Repositories/Repo-1?api-version=7.1",
        auth=("", sim.pat),
    )
    assert response.status_code == 200
    assert response.json()["params"] == {"project": "MyProject", "repositoryId": "Repo-1"}


def test_path_placeholders_are_url_decoded(sim: Simulator, http: requests.Session) -> None:
    response = http.get(url(sim, "dev.azure.com", "My%20Project/_apis/git/repositories/r1"), auth=("", sim.pat))
    assert response.json()["params"]["project"] == "My Project"


@pytest.mark.parametrize(
    ("target", "type_key"),
    [
        ("dev.azure.com/fabrikam/_apis/projects?api-version=7.1", "HostNotFoundException"),
        ("dev.azure.com/contoso/_apis/nothing-here?api-version=7.1", "ResourceNotFoundException"),
        ("example.com/contoso/_apis/projects?api-version=7.1", "ResourceNotFoundException"),
    ],
)
def test_unknown_organization_route_or_host_is_404_with_service_error_body(
    sim: Simulator, http: requests.Session, target: str, type_key: str,
) -> None:
    response = http.get(f"{sim.base_url}/{target}", auth=("", sim.pat))
    assert response.status_code == 404
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["typeKey"] == type_key


@pytest.mark.parametrize("version", ["7.1", "7.1-preview", "7.1-preview.4", "7.0", "6.0-preview.2", "5.0"])
def test_released_route_accepts_released_and_preview_versions(
    sim: Simulator, http: requests.Session, version: str,
) -> None:
    assert http.get(url(sim, "dev.azure.com", "_apis/projects", version), auth=("", sim.pat)).status_code == 200


def test_preview_route_refuses_plain_version_with_reference_message(sim: Simulator, http: requests.Session) -> None:
    response = http.get(url(sim, "vssps.dev.azure.com", "_apis/graph/users", "7.1"), auth=("", sim.pat))
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["typeKey"] == "VssInvalidPreviewVersionException"
    assert body["message"] == (
        'The requested version "7.1" of the resource is under preview. The -preview flag must be supplied in '
        'the api-version for such requests. For example: "7.1-preview"'
    )
    ok = http.get(url(sim, "vssps.dev.azure.com", "_apis/graph/users", "7.1-preview.1"), auth=("", sim.pat))
    assert ok.status_code == 200


def test_newer_than_released_needs_preview_flag(sim: Simulator, http: requests.Session) -> None:
    plain = http.get(url(sim, "dev.azure.com", "_apis/projects", "7.2"), auth=("", sim.pat))
    assert plain.json()["typeKey"] == "VssInvalidPreviewVersionException"
    assert http.get(url(sim, "dev.azure.com", "_apis/projects", "7.2-preview.1"), auth=("", sim.pat)).ok


@pytest.mark.parametrize("version", ["8.0", "4.1", "latest"])
def test_unsupported_version_is_out_of_range(sim: Simulator, http: requests.Session, version: str) -> None:
    response = http.get(url(sim, "dev.azure.com", "_apis/projects", version), auth=("", sim.pat))
    assert response.status_code == 400
    assert response.json()["typeKey"] == "VssVersionOutOfRangeException"


def test_version_may_come_from_accept_header_and_is_required(sim: Simulator, http: requests.Session) -> None:
    target = url(sim, "vssps.dev.azure.com", "_apis/graph/users", None)
    via_header = http.get(target, auth=("", sim.pat), headers={"Accept": "application/json;api-version=7.1-preview.1"})
    assert via_header.status_code == 200
    missing = http.get(target, auth=("", sim.pat))
    assert missing.status_code == 400
    assert missing.json()["typeKey"] == "VssVersionNotSpecifiedException"
    assert '"GET" request' in missing.json()["message"]


def test_pat_works_with_any_user_name_and_answers_carry_service_headers(
    sim: Simulator, http: requests.Session,
) -> None:
    response = http.get(
        url(sim, "dev.azure.com", "_apis/projects"), auth=("anything", sim.pat), headers={"X-TFS-Session": "s-1"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8; api-version=7.1"
    assert response.headers["X-TFS-Session"] == "s-1"
    assert response.headers["ActivityId"]
    identity = response.json()["identity"]
    assert response.headers["X-VSS-UserData"] == f"{identity['id']}:{identity['uniqueName']}"
    assert identity["kind"] == "user"


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic " + base64.b64encode(b":not-a-pat").decode(), "Bearer not-a-token", "Basic !!!"],
)
def test_bad_or_missing_credentials_get_the_sign_in_page(
    sim: Simulator, http: requests.Session, authorization: str | None,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = http.get(url(sim, "dev.azure.com", "_apis/projects"), headers=headers)
    assert response.status_code == 203
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<title>Azure DevOps Services | Sign In</title>" in response.text


def test_bad_credentials_on_patch_get_401_without_suppress(sim: Simulator, http: requests.Session) -> None:
    response = http.patch(url(sim, "dev.azure.com", "_apis/projects"), json={}, auth=("", "wrong"))
    assert response.status_code == 401
    assert response.json()["typeKey"] == "UnauthorizedRequestException"


def test_suppressed_redirect_gets_401_with_tf400813_and_challenges(sim: Simulator, http: requests.Session) -> None:
    suppress = {"X-TFS-FedAuthRedirect": "Suppress"}
    bad = http.get(url(sim, "dev.azure.com", "_apis/projects"), auth=("", "wrong"), headers=suppress)
    assert bad.status_code == 401
    body = bad.json()
    assert set(body) == ERROR_KEYS
    assert body["message"] == "TF400813: The user '' is not authorized to access this resource."
    assert body["typeKey"] == "UnauthorizedRequestException"
    challenges = bad.raw.headers.getlist("WWW-Authenticate")
    assert any(c.startswith("Bearer authorization_uri=") for c in challenges)
    assert any(c.startswith("Basic realm=") for c in challenges)
    assert bad.headers["X-VSS-ResourceTenant"] == sim.entra.tenant_id
    anonymous = http.get(url(sim, "dev.azure.com", "_apis/projects"), headers=suppress)
    assert anonymous.json()["message"].startswith("TF400813: Resource not available for anonymous access")


def test_limited_pat_gets_403_naming_the_missing_scope(sim: Simulator, http: requests.Session) -> None:
    code_pat = sim.issue_pat(scopes=("vso.code",))
    assert http.get(url(sim, "dev.azure.com", "P/_apis/git/repositories/r"), auth=("", code_pat)).status_code == 200
    denied = http.get(url(sim, "dev.azure.com", "_apis/projects"), auth=("", code_pat))
    assert denied.status_code == 403
    body = denied.json()
    assert body["typeKey"] == "AccessCheckException"
    assert "vso.project" in body["message"]
    assert {"$id", "customProperties", *ERROR_KEYS} == set(body)
    write = http.post(url(sim, "dev.azure.com", "P/_apis/git/repositories"), json={}, auth=("", code_pat))
    assert write.status_code == 403
    assert "vso.code_write" in write.json()["message"]


def test_scope_hierarchy_write_implies_read(sim: Simulator, http: requests.Session) -> None:
    manage = sim.issue_pat(scopes=("vso.code_manage",))
    assert http.get(url(sim, "dev.azure.com", "P/_apis/git/repositories/r"), auth=("", manage)).ok
    assert http.post(url(sim, "dev.azure.com", "P/_apis/git/repositories"), json={}, auth=("", manage)).ok
    graph_only = sim.issue_pat(scopes=("vso.graph",))
    assert http.get(url(sim, "dev.azure.com", "P/_apis/git/repositories/r"), auth=("", graph_only)).status_code == 403


def test_admin_api_issues_limited_pats(sim: Simulator, http: requests.Session) -> None:
    issued = http.post(f"{sim.admin_url}/pats", json={"scopes": ["vso.project"]})
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert http.get(url(sim, "dev.azure.com", "_apis/projects"), auth=("", token)).status_code == 200
    assert http.get(url(sim, "dev.azure.com", "P/_apis/git/repositories/r"), auth=("", token)).status_code == 403


def test_org_scoped_pat_is_refused_on_the_organization_less_host(sim: Simulator, http: requests.Session) -> None:
    target = url(sim, ORGLESS, "_apis/ping")
    org_scoped = sim.issue_pat(scopes=("app_token",))
    assert http.get(target, auth=("", org_scoped)).status_code == 401
    all_orgs = sim.issue_pat(scopes=("app_token",), all_organizations=True)
    assert http.get(target, auth=("", all_orgs)).status_code == 200
    assert http.get(target, auth=("", sim.pat)).status_code == 200


@pytest.mark.parametrize("path", ["_apis/broken", "_apis/nothing"])
def test_failing_endpoint_answers_500_with_error_body(sim: Simulator, http: requests.Session, path: str) -> None:
    response = http.get(url(sim, "dev.azure.com", path), auth=("", sim.pat))
    assert response.status_code == 500
    assert set(response.json()) == ERROR_KEYS


def test_head_is_answered_like_get_without_body(sim: Simulator, http: requests.Session) -> None:
    response = http.head(url(sim, "dev.azure.com", "_apis/projects"), auth=("", sim.pat))
    assert response.status_code == 200
    assert response.content == b""


def test_accounting_counts_requests_per_route_and_resets(sim: Simulator, http: requests.Session) -> None:
    http.post(f"{sim.admin_url}/stats/reset")
    for _ in range(3):
        http.get(url(sim, "dev.azure.com", "_apis/projects"), auth=("", sim.pat))
    http.get(url(sim, "dev.azure.com", "_apis/projects"), auth=("", "wrong"))
    stats = http.get(f"{sim.admin_url}/stats").json()
    assert stats == sim.stats()
    assert stats["routes"]["GET dev.azure.com/_apis/projects"]["requests"] == 3
    assert stats["statuses"] == {"200": 3, "203": 1}
    assert stats["bytes_out"] > 0
    sim.reset_stats()
    assert sim.stats()["requests"] == 0


def test_credentials_never_appear_in_reprs(sim: Simulator, http: requests.Session) -> None:
    request_repr = http.get(url(sim, "dev.azure.com", "_apis/repr"), auth=("", sim.pat)).json()["repr"]
    assert "dev.azure.com" in request_repr
    text = repr(sim) + repr(sim.entra) + request_repr + repr(sim._app.pats)
    assert sim.pat not in text
    assert sim.entra.client_secret not in text
    assert sim.entra.identity_header not in text


def test_concurrent_requests_with_latency_all_succeed() -> None:
    with run_simulator(state=minimal_state("contoso"), routes=ROUTES, latency_ms=50) as sim:
        target = url(sim, "dev.azure.com", "_apis/projects")

        def one(_: int) -> int:
            with requests.Session() as session:
                session.trust_env = False
                return session.get(target, auth=("", sim.pat)).status_code

        with ThreadPoolExecutor(max_workers=64) as pool:
            statuses = list(pool.map(one, range(64)))
        assert statuses == [200] * 64
        assert sim.stats()["routes"]["GET dev.azure.com/_apis/projects"]["requests"] == 64


def test_an_api_answer_never_leaves_before_the_latency() -> None:
    with run_simulator(state=minimal_state("contoso"), routes=ROUTES, latency_ms=300) as sim, requests.Session() as s:
        s.trust_env = False
        started = time.monotonic()
        answer = s.get(url(sim, "dev.azure.com", "_apis/projects"), auth=("", sim.pat))
        elapsed_s = time.monotonic() - started
    assert answer.status_code == 200
    # A lower bound only: a busy machine may always be slower.
    assert elapsed_s >= 0.3
