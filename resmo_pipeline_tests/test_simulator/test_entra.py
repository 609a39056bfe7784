"""The Entra ID stand-in with real MSAL: client secret, certificate, device code, managed identity.

Each token obtained is then used as a Bearer token against the simulated Azure DevOps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msal
import pytest
import requests
import trustme

from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, json_response
from resmo_pipeline.simulator.server import minimal_state

OWNER = {"id": "0f6c1d57-1111-4c5e-9e0d-6d7c1f3b2a10", "descriptor": "aad.owner", "displayName": "Ada Owner",
         "principalName": "ada@contoso.example"}
SP = {"id": "5a1e0c3b-2222-4b6f-8d2e-7e8f9a0b1c2d", "descriptor": "aadsp.scanner", "display_name": "resmo-scanner",
      "client_id": "9c7b5a3e-3333-4d1f-a2b4-c6d8e0f1a2b3"}


def whoami(request: SimRequest) -> SimResponse:
    return json_response({"authenticatedUser": {k: v for k, v in request.identity.items() if k != "scopes"}})


ROUTES = [Route("GET", "dev.azure.com", "_apis/connectionData", whoami, scope="", preview_only=True)]


def make_state() -> Any:
    state = minimal_state("contoso")
    state.tenant_id = "72f988bf-4444-41af-91ab-2d7cd011db47"
    state.owner = OWNER
    state.entra_sp = SP
    return state


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with run_simulator(state=make_state(), routes=ROUTES) as running:
        yield running


def entra_session(sim: Simulator) -> requests.Session:
    session = requests.Session()
    session.verify = sim.entra.ca_file
    session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise replace verify (msal-offline.md)
    return session


def confidential(sim: Simulator, credential: Any) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        sim.entra.client_id, client_credential=credential, authority=sim.entra.authority,
        instance_discovery=False, validate_authority=False, http_client=entra_session(sim),
    )


def who(sim: Simulator, token: str, suppress: bool = True) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if suppress:
        headers["X-TFS-FedAuthRedirect"] = "Suppress"
    return requests.get(
        f"{sim.base_url}/dev.azure.com/contoso/_apis/connectionData?api-version=7.1-preview.1", headers=headers,
    )


def test_entra_details_point_at_real_files(sim: Simulator) -> None:
    info = sim.entra
    assert info.authority.startswith("https://127.0.0.1:") and info.authority.endswith(f"/{info.tenant_id}")
    assert info.client_id == SP["client_id"]
    pem = Path(info.certificate_path).read_text()
    assert "PRIVATE KEY" in pem and "BEGIN CERTIFICATE" in pem
    assert Path(info.certificate_path).stat().st_mode & 0o077 == 0
    assert "BEGIN CERTIFICATE" in Path(info.ca_file).read_text()
    assert len(info.certificate_thumbprint) == 40


def test_openid_configuration_has_what_msal_needs(sim: Simulator) -> None:
    with entra_session(sim) as session:
        config = session.get(f"{sim.entra.authority}/v2.0/.well-known/openid-configuration").json()
    for key in ("issuer", "token_endpoint", "authorization_endpoint", "device_authorization_endpoint"):
        assert config[key].startswith(sim.entra.authority)


def test_client_secret_token_is_accepted_as_the_service_principal(sim: Simulator) -> None:
    app = confidential(sim, sim.entra.client_secret)
    result = app.acquire_token_for_client(scopes=[sim.entra.scope])
    assert result.get("token_source") == "identity_provider", result.get("error_description")
    assert app.acquire_token_for_client(scopes=[sim.entra.scope])["token_source"] == "cache"
    response = who(sim, result["access_token"])
    assert response.status_code == 200
    user = response.json()["authenticatedUser"]
    assert (user["id"], user["kind"], user["applicationId"]) == (SP["id"], "servicePrincipal", SP["client_id"])


@pytest.mark.parametrize("style", ["thumbprint", "public_certificate"])
def test_certificate_assertion_token_is_accepted(sim: Simulator, style: str) -> None:
    pem = Path(sim.entra.certificate_path).read_text()
    credential = {"private_key": pem}
    credential.update(
        {"thumbprint": sim.entra.certificate_thumbprint} if style == "thumbprint" else {"public_certificate": pem}
    )
    result = confidential(sim, credential).acquire_token_for_client(scopes=[sim.entra.scope])
    assert "access_token" in result, result.get("error_description")
    assert who(sim, result["access_token"]).json()["authenticatedUser"]["id"] == SP["id"]


def test_wrong_secret_and_foreign_certificate_are_refused(sim: Simulator, tmp_path: Path) -> None:
    wrong = confidential(sim, "not-the-secret").acquire_token_for_client(scopes=[sim.entra.scope])
    assert wrong["error"] == "invalid_client"
    assert "not-the-secret" not in str(wrong)
    other = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert("other.invalid", key_type=trustme.KeyType.RSA)
    foreign_pem = other.private_key_and_cert_chain_pem.bytes().decode()
    foreign = confidential(sim, {"private_key": foreign_pem, "public_certificate": foreign_pem})
    refused = foreign.acquire_token_for_client(scopes=[sim.entra.scope])
    assert refused["error"] == "invalid_client"


def test_device_code_flow_signs_in_the_organization_user(sim: Simulator) -> None:
    app = msal.PublicClientApplication(
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46", authority=sim.entra.authority, instance_discovery=False,
        validate_authority=False, http_client=entra_session(sim),
    )
    flow = app.initiate_device_flow(scopes=[sim.entra.scope])
    assert flow["user_code"] in flow["message"]
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result.get("error_description")
    assert app.get_accounts(), "id_token/client_info let MSAL cache an account for silent reuse"
    assert who(sim, result["access_token"]).json()["authenticatedUser"]["id"] == OWNER["id"]


def test_device_code_waits_for_approval_through_admin_api() -> None:
    with run_simulator(state=make_state(), routes=ROUTES, auto_approve_device_codes=False) as sim:
        app = msal.PublicClientApplication(
            "04b07795-8ddb-461a-bbee-02f9e1bf7b46", authority=sim.entra.authority, instance_discovery=False,
            validate_authority=False, http_client=entra_session(sim),
        )
        flow = app.initiate_device_flow(scopes=[sim.entra.scope])
        pending = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
        assert pending["error"] == "authorization_pending"
        approve = requests.post(f"{sim.admin_url}/devicecodes/approve", json={"user_code": flow["user_code"]})
        assert approve.json() == {"approved": True}
        flow["latest_attempt_at"] = 0  # the poll above was just now; MSAL would only warn
        result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
        assert "access_token" in result, result


def test_managed_identity_endpoint_serves_msal_managed_identity_client(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", sim.entra.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", sim.entra.identity_header)
    with requests.Session() as session:
        session.trust_env = False
        client = msal.ManagedIdentityClient(msal.SystemAssignedManagedIdentity(), http_client=session)
        result = client.acquire_token_for_client(resource="499b84ac-1321-427f-aa17-267ca6975798")
        assert "access_token" in result, result
        assert who(sim, result["access_token"]).json()["authenticatedUser"]["kind"] == "servicePrincipal"
        wrong = session.get(
            sim.entra.identity_endpoint, params={"api-version": "2019-08-01", "resource": "x"},
            headers={"X-IDENTITY-HEADER": "wrong"},
        )
        assert wrong.status_code == 401


def test_expired_and_unknown_tokens_get_203_or_401() -> None:
    with run_simulator(state=make_state(), routes=ROUTES) as sim:
        token = confidential(sim, sim.entra.client_secret).acquire_token_for_client(scopes=[sim.entra.scope])
        assert who(sim, token["access_token"]).status_code == 200
        sim.expire_tokens()
        assert who(sim, token["access_token"]).status_code == 401
        assert who(sim, token["access_token"], suppress=False).status_code == 203
        assert who(sim, "eyJ0eXAiOiJKV1QifQ.e30.forged").status_code == 401


def test_token_requests_are_served_concurrently(sim: Simulator) -> None:
    results: list[dict[str, Any]] = []

    def fetch() -> None:
        results.append(confidential(sim, sim.entra.client_secret).acquire_token_for_client([sim.entra.scope]))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r["access_token"] for r in results}) == 8
