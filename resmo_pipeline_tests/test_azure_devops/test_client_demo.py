"""The client against the shared demo-preset simulator's real endpoints on every host."""

from __future__ import annotations

import pytest

from resmo_pipeline.azure_devops import (
    AuthenticationError,
    AzureDevOpsClient,
    Endpoint,
    NotFoundError,
    PatCredential,
    PermissionDeniedError,
)
from resmo_pipeline.simulator import Simulator

PROFILE = Endpoint("app.vssps.visualstudio.com", "_apis/profile/profiles/me", "7.1", items_key=None,
                   scope="vso.profile")
PROJECT = Endpoint("dev.azure.com", "_apis/projects/{projectId}", "7.1", items_key=None, scope="vso.project")
EXTENSIONS = Endpoint("extmgmt.dev.azure.com", "_apis/extensionmanagement/installedextensions", "7.1-preview.1",
                      scope="vso.extension")
FEEDS = Endpoint("feeds.dev.azure.com", "_apis/packaging/feeds", "7.1", scope="vso.packaging")
SERVICE_ENDPOINTS = Endpoint("dev.azure.com", "{project}/_apis/serviceendpoint/endpoints", "7.1",
                             scope="vso.serviceendpoint")


def client_for(sim: Simulator, pat: str) -> AzureDevOpsClient:
    return AzureDevOpsClient(sim.organization, PatCredential(pat), base_url=sim.base_url, max_retry_time_s=10)


def test_hosts_with_and_without_organization_segment(simulator: Simulator) -> None:
    state = simulator.state
    with client_for(simulator, simulator.pat) as client:
        assert client.get(PROFILE)["id"]
        assert sorted(e["extensionId"] for e in client.list(EXTENSIONS)) == \
            sorted(e["extensionId"] for e in state.extensions)
        assert sorted(f["id"] for f in client.list(FEEDS)) == \
            sorted(f["id"] for f in state.feeds if not f.get("project"))
        project = state.projects[0]
        assert client.get(PROJECT, {"projectId": project["id"]})["name"] == project["name"]
        # Project names go into the path URL-encoded (demo names contain spaces).
        spaced = next(p for p in state.projects if " " in p["name"])
        connections = client.list(SERVICE_ENDPOINTS, {"project": spaced["name"]})
        assert {c["id"] for c in connections} == {
            e["id"] for e in state.service_endpoints
            if any(r["projectReference"]["id"] == spaced["id"] for r in e["serviceEndpointProjectReferences"])
        }
        with pytest.raises(NotFoundError, match="TF200016"):
            client.get(PROJECT, {"projectId": "no such project"})


def test_org_scoped_pat_is_refused_on_the_profile_host(simulator: Simulator) -> None:
    org_only = simulator.issue_pat(scopes=("vso.profile",))
    with client_for(simulator, org_only) as client, pytest.raises(AuthenticationError) as caught:
        client.get(PROFILE)
    assert caught.value.status == 401
    everywhere = simulator.issue_pat(scopes=("vso.profile",), all_organizations=True)
    with client_for(simulator, everywhere) as client:
        assert client.get(PROFILE)["id"]


def test_limited_scope_pat_on_real_routes_names_the_scope(simulator: Simulator) -> None:
    pat = simulator.issue_pat(scopes=("vso.packaging",))
    with client_for(simulator, pat) as client:
        assert client.list(FEEDS)
        with pytest.raises(PermissionDeniedError) as caught:
            client.list(EXTENSIONS)
    assert caught.value.required_scope == "vso.extension" and caught.value.status == 403
    assert "vso.extension" in caught.value.message
