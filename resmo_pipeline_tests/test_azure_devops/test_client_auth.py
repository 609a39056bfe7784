"""Every way of signing in, against the running simulator and its Entra ID stand-in (through real MSAL).

These tests serve two small hand-made endpoints on the simulator's real server (authentication, scopes, rate
limits and faults are the server's), so they do not depend on the generated organization.
"""

from __future__ import annotations

import base64
import logging
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resmo_pipeline.azure_devops import (
    AuthenticationError,
    AzureDevOpsClient,
    AzureDevOpsError,
    DeviceCodeCredential,
    Endpoint,
    ManagedIdentityCredential,
    Paging,
    PagingError,
    PatCredential,
    PermissionDeniedError,
    RetryBudgetExceededError,
    ServicePrincipalCredential,
)
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.faults import FAULT_KINDS
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, expired_token, json_response
from resmo_pipeline.simulator.server import minimal_state

PROJECTS = [{"id": f"p{i:03d}", "name": f"Project {i}"} for i in range(25)]


def list_projects(request: SimRequest) -> SimResponse:
    """Projects, paged like the service: `$top` and an integer continuation token (rows already returned)."""
    top = int(request.param("$top") or 100)
    token = request.param("continuationToken")
    if token and request.faults.should_expire_token():
        return expired_token()
    start = int(token or 0)
    page = [{**p, "caller": request.identity.get("kind")} for p in PROJECTS[start:start + top]]
    headers = {"x-ms-continuationtoken": str(start + top)} if start + top < len(PROJECTS) else {}
    return json_response({"count": len(page), "value": page}, headers=headers)


def audit_log(request: SimRequest) -> SimResponse:
    return json_response({"decoratedAuditLogEntries": [], "continuationToken": None, "hasMore": False})


ROUTES = [
    Route("GET", "dev.azure.com", "_apis/projects", list_projects, scope="vso.project"),
    Route("GET", "auditservice.dev.azure.com", "_apis/audit/auditlog", audit_log, scope="vso.auditlog",
          preview_only=True),
]
PROJECTS_ENDPOINT = Endpoint("dev.azure.com", "_apis/projects", "7.1", Paging.HEADER_TOKEN, page_size=10,
                             params={"stateFilter": "all"}, scope="vso.project")
AUDIT_ENDPOINT = Endpoint("auditservice.dev.azure.com", "_apis/audit/auditlog", "7.1-preview.1", Paging.BODY_TOKEN,
                          items_key="decoratedAuditLogEntries", scope="vso.auditlog")


def serve(**kwargs: Any) -> Any:
    return run_simulator(routes=ROUTES, state=minimal_state("contoso"), **kwargs)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with serve() as simulator:
        yield simulator


def read_projects(client: AzureDevOpsClient) -> list[dict]:
    with client:
        return client.list(PROJECTS_ENDPOINT)


def client_for(sim: Simulator, credential: Any, **kwargs: Any) -> AzureDevOpsClient:
    options = {"timeout_s": 10, "max_retry_time_s": 10, **kwargs}
    return AzureDevOpsClient(sim.organization, credential, base_url=sim.base_url, **options)


def sp_secret(sim: Simulator, secret: str | None = None) -> ServicePrincipalCredential:
    authority_host, tenant = sim.entra.authority.rsplit("/", 1)
    return ServicePrincipalCredential(tenant, sim.entra.client_id, client_secret=secret or sim.entra.client_secret,
                                      authority_host=authority_host, ca_file=sim.entra.ca_file)


def sp_certificate(sim: Simulator) -> ServicePrincipalCredential:
    authority_host, tenant = sim.entra.authority.rsplit("/", 1)
    return ServicePrincipalCredential(tenant, sim.entra.client_id, certificate_path=sim.entra.certificate_path,
                                      authority_host=authority_host, ca_file=sim.entra.ca_file)


def test_pat_reads_every_page(sim: Simulator) -> None:
    projects = read_projects(client_for(sim, PatCredential(sim.pat)))
    assert [p["id"] for p in projects] == [p["id"] for p in PROJECTS]
    assert {p["caller"] for p in projects} == {"user"}


def test_bad_pat_is_an_authentication_error(sim: Simulator) -> None:
    with pytest.raises(AuthenticationError) as caught:
        read_projects(client_for(sim, PatCredential("not-a-valid-pat")))
    assert caught.value.status == 401  # X-TFS-FedAuthRedirect: Suppress turns the sign-in page into a 401
    assert "TF400813" in str(caught.value)


@pytest.mark.parametrize("make_credential", [sp_secret, sp_certificate], ids=["secret", "certificate"])
def test_service_principal_signs_in_through_msal(sim: Simulator, make_credential: Any) -> None:
    credential = make_credential(sim)
    projects = read_projects(client_for(sim, credential))
    assert len(projects) == len(PROJECTS) and {p["caller"] for p in projects} == {"servicePrincipal"}
    # The token is kept and reused until close to expiry, not fetched per request.
    assert credential.authorization() == credential.authorization()


def test_wrong_client_secret_is_an_authentication_error_without_the_secret(sim: Simulator) -> None:
    wrong = "wrong-secret-" + "x" * 20
    with pytest.raises(AuthenticationError) as caught:
        read_projects(client_for(sim, sp_secret(sim, wrong)))
    assert "invalid_client" in str(caught.value) and "AADSTS7000215" in str(caught.value)
    assert wrong not in str(caught.value) + repr(caught.value)


def test_unreachable_identity_provider_is_an_authentication_error(sim: Simulator) -> None:
    credential = ServicePrincipalCredential("tenant", "client", client_secret="s3cr3t-value",
                                            authority_host="https://127.0.0.1:9", timeout_s=2)
    with pytest.raises(AuthenticationError, match="could not obtain") as caught:
        read_projects(client_for(sim, credential))
    assert "s3cr3t-value" not in str(caught.value)


def test_token_is_refreshed_before_it_expires() -> None:
    with serve(token_lifetime_s=2) as short_lived:
        credential = sp_secret(short_lived)
        client = client_for(short_lived, credential)
        first = credential.authorization()
        assert len(read_projects(client)) == len(PROJECTS)
        # Half of a 2 s lifetime later the credential has fetched a new token and the read still works.
        time.sleep(1.1)
        client = client_for(short_lived, credential)
        assert len(read_projects(client)) == len(PROJECTS)
        assert credential.authorization() != first


def test_a_revoked_token_is_replaced_once(sim: Simulator) -> None:
    credential = sp_secret(sim)
    assert len(read_projects(client_for(sim, credential))) == len(PROJECTS)
    first = credential.authorization()
    sim.expire_tokens()
    client = client_for(sim, credential)
    assert len(read_projects(client)) == len(PROJECTS)
    assert credential.authorization() != first
    assert client.stats.retries == 1


def test_managed_identity_through_identity_endpoint(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", sim.entra.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", sim.entra.identity_header)
    credential = ManagedIdentityCredential()
    projects = read_projects(client_for(sim, credential))
    assert {p["caller"] for p in projects} == {"servicePrincipal"}
    monkeypatch.setenv("IDENTITY_HEADER", "wrong")
    with pytest.raises(AuthenticationError):
        ManagedIdentityCredential().authorization()


def test_device_code_prompts_once_and_caches_with_0600(sim: Simulator, tmp_path: Path) -> None:
    authority_host, tenant = sim.entra.authority.rsplit("/", 1)
    prompts: list[str] = []
    cache = tmp_path / "tokens" / "contoso.json"

    def credential() -> DeviceCodeCredential:
        return DeviceCodeCredential(tenant, sim.entra.client_id, authority_host=authority_host,
                                    ca_file=sim.entra.ca_file, cache_path=cache, prompt=prompts.append)

    projects = read_projects(client_for(sim, credential()))
    assert {p["caller"] for p in projects} == {"user"}
    assert len(prompts) == 1 and "enter the code" in prompts[0]
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    # A new process (new credential object) signs in silently from the cache.
    assert len(read_projects(client_for(sim, credential()))) == len(PROJECTS)
    assert len(prompts) == 1


def test_limited_scope_pat_is_denied_naming_the_scope(sim: Simulator) -> None:
    pat = sim.issue_pat(scopes=("vso.project",))
    with client_for(sim, PatCredential(pat)) as client:
        assert len(client.list(PROJECTS_ENDPOINT)) == len(PROJECTS)
        with pytest.raises(PermissionDeniedError) as caught:
            client.list(AUDIT_ENDPOINT)
    assert caught.value.status == 403 and caught.value.required_scope == "vso.auditlog"
    assert "vso.auditlog" in str(caught.value)


def test_plain_version_on_a_preview_route_is_a_bad_request(sim: Simulator) -> None:
    plain = Endpoint("auditservice.dev.azure.com", "_apis/audit/auditlog", "7.1", Paging.BODY_TOKEN,
                     items_key="decoratedAuditLogEntries")
    with client_for(sim, PatCredential(sim.pat)) as client, pytest.raises(AzureDevOpsError) as caught:
        client.list(plain)
    assert caught.value.status == 400 and caught.value.type_key == "VssInvalidPreviewVersionException"


def test_throttling_is_survived_with_exact_data() -> None:
    config = {"limit": 6, "window_s": 2, "warning_fraction": 0.5, "block_factor": 1.5, "delay_per_tstu_s": 0.05,
              "cost": 1}
    with serve(rate_limit=True, rate_limit_config=config) as limited:
        client = client_for(limited, PatCredential(limited.pat), concurrency=4, max_retry_time_s=30,
                            max_slowdown_s=0.3)
        with client:
            results = client.map(lambda _: client.list(PROJECTS_ENDPOINT), range(4))
            stats = client.stats.as_dict()
        server_stats = limited.stats()
    assert all([p["id"] for p in r] == [p["id"] for p in PROJECTS] for r in results)
    assert stats["throttled_s"] > 0
    assert server_stats["throttled"]["delayed"] + server_stats["throttled"]["blocked"] > 0


def test_faults_give_exact_data_or_a_typed_error() -> None:
    # Seed 36 draws every kind of fault (500, 503, dropped connection, slow answer, expired token) in 6 reads.
    with serve(fault_rate=0.3, slow_s=0.05, seed=36) as faulty:
        client = client_for(faulty, PatCredential(faulty.pat), backoff_base_s=0.02, backoff_max_s=0.1, timeout_s=5)
        outcomes: list[Any] = []
        with client:
            for _ in range(6):
                try:
                    outcomes.append([p["id"] for p in client.list(PROJECTS_ENDPOINT)])
                except AzureDevOpsError as exc:
                    outcomes.append(exc)
            stats = client.stats.as_dict()
        faults = faulty.stats()["faults"]
    expected = [p["id"] for p in PROJECTS]
    assert all(o == expected or isinstance(o, PagingError | RetryBudgetExceededError) for o in outcomes)
    assert sum(o == expected for o in outcomes) >= 5
    assert set(faults) == set(FAULT_KINDS)
    assert stats["retries"] > 0


def test_no_credential_reaches_logs_errors_or_reprs(sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    pat = sim.pat
    sp = sp_secret(sim)
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        read_projects(client_for(sim, PatCredential(pat)))
        read_projects(client_for(sim, sp))
        bearer = sp.authorization().split(" ", 1)[1]
        limited = sim.issue_pat(scopes=("vso.code",))
        for credential, endpoint in ((PatCredential("bad-" + pat), PROJECTS_ENDPOINT),
                                     (PatCredential(limited), AUDIT_ENDPOINT), (sp_secret(sim, "bad-" + pat), None)):
            client = client_for(sim, credential)
            texts += [repr(client), str(client), repr(credential), str(credential)]
            with pytest.raises(AzureDevOpsError) as caught:
                client.list(endpoint or PROJECTS_ENDPOINT)
            texts += [str(caught.value), repr(caught.value)]
    texts += [caplog.text, repr(sp), str(sp), repr(sim.entra)]
    assert "GET" in caplog.text and "/_apis/projects" in caplog.text  # the log does record requests
    secrets = [pat, limited, base64.b64encode(f":{pat}".encode()).decode(), sim.entra.client_secret, bearer]
    for text in texts:
        for secret in secrets:
            assert secret not in text
