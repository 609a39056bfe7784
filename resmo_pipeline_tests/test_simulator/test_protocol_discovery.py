"""Location discovery over HTTP: resource areas per host and OPTIONS `_apis` route templates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.discovery import RESOURCE_AREAS
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, json_response
from resmo_pipeline.simulator.server import HOSTS, minimal_state

AUDIT_LOCATION = "a2b4c6d8-0000-4000-8000-000000000001"


def empty(request: SimRequest) -> SimResponse:
    return json_response({"count": 0, "value": []})


ROUTES = [
    Route("GET", "auditservice.dev.azure.com", "_apis/audit/auditlog", empty, scope="vso.auditlog",
          preview_only=True, area="audit", resource="auditlog", location_id=AUDIT_LOCATION, resource_version=1),
]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with run_simulator(state=minimal_state("contoso"), routes=ROUTES) as running:
        yield running


def test_resource_areas_point_each_area_at_its_host(sim: Simulator) -> None:
    response = requests.get(
        f"{sim.base_url}/dev.azure.com/contoso/_apis/resourceAreas?api-version=7.1-preview.1", auth=("", sim.pat),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["value"]) == len(RESOURCE_AREAS)
    by_name = {area["name"]: area for area in body["value"]}
    assert by_name["Graph"]["locationUrl"] == f"{sim.base_url}/vssps.dev.azure.com/contoso/"
    assert by_name["core"]["locationUrl"] == f"{sim.base_url}/dev.azure.com/contoso/"
    assert by_name["Account"]["locationUrl"] == f"{sim.base_url}/app.vssps.visualstudio.com/"
    one = requests.get(
        f"{sim.base_url}/dev.azure.com/contoso/_apis/resourceAreas/{by_name['Release']['id']}"
        "?api-version=7.1-preview.1",
        auth=("", sim.pat),
    )
    assert one.json()["locationUrl"] == f"{sim.base_url}/vsrm.dev.azure.com/contoso/"


def test_options_describes_locations_on_every_host(sim: Simulator) -> None:
    for host in HOSTS:
        prefix = f"{sim.base_url}/{host}" if host == "app.vssps.visualstudio.com" else f"{sim.base_url}/{host}/contoso"
        response = requests.options(f"{prefix}/_apis", auth=("", sim.pat), headers={"Accept": "application/json"})
        assert response.status_code == 200, host
        assert response.json()["count"] == len(response.json()["value"])
    graph = requests.options(f"{sim.base_url}/vssps.dev.azure.com/contoso/_apis", auth=("", sim.pat)).json()
    users = next(loc for loc in graph["value"] if loc["id"] == "005e26ec-6b77-4e4f-a986-b3827bf241f5")
    assert users["routeTemplate"] == "_apis/{area}/{resource}/{userDescriptor}"
    assert (users["area"], users["resourceName"], users["releasedVersion"]) == ("graph", "users", "0.0")


def test_route_metadata_adds_locations_the_table_lacks(sim: Simulator) -> None:
    audit = requests.options(f"{sim.base_url}/auditservice.dev.azure.com/contoso/_apis", auth=("", sim.pat)).json()
    location = next(loc for loc in audit["value"] if loc["id"] == AUDIT_LOCATION)
    assert location["routeTemplate"] == "_apis/audit/auditlog"
    assert (location["area"], location["resourceName"], location["resourceVersion"]) == ("audit", "auditlog", 1)


def test_discovery_needs_credentials(sim: Simulator) -> None:
    response = requests.options(
        f"{sim.base_url}/dev.azure.com/contoso/_apis", headers={"X-TFS-FedAuthRedirect": "Suppress"},
    )
    assert response.status_code == 401
