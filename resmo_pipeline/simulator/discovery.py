"""Location discovery, so the official Azure DevOps client finds the simulated endpoints.

The official SDK first asks `GET dev.azure.com/{org}/_apis/resourceAreas` which host serves each resource
area, then `OPTIONS {host}/{org}/_apis` for the route template of every location id it calls. Both answers
are built here from a declarative table of the locations the SDK uses (ids and templates as the real service
reports them) plus whatever location metadata the endpoint routes carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, json_response, not_found

ORGLESS_HOST = "app.vssps.visualstudio.com"


@dataclass(frozen=True)
class ResourceArea:
    """A resource area: its id and the host that serves it."""

    id: str
    name: str
    host: str


#: Resource areas and their hosts (reference §1).
RESOURCE_AREAS: tuple[ResourceArea, ...] = (
    ResourceArea("79134c72-4a58-4b42-976c-04e7115f32bf", "core", "dev.azure.com"),
    ResourceArea("4e080c62-fa21-4fbc-8fef-2a10a2b38049", "git", "dev.azure.com"),
    ResourceArea("fb13a388-40dd-4a04-b530-013a739c72ef", "policy", "dev.azure.com"),
    ResourceArea("965220d5-5bb9-42cf-8d67-9b146df2a5a4", "build", "dev.azure.com"),
    ResourceArea("a81a0441-de52-4000-aa15-ff0e07bfbbaa", "pipelinePermissions", "dev.azure.com"),
    ResourceArea("4a933897-0488-45af-bd82-6fd3ad33f46a", "PipelinesChecks", "dev.azure.com"),
    ResourceArea("5b55a9b6-2e0f-40d7-829d-3741d2b8c4e4", "approval", "dev.azure.com"),
    ResourceArea("1814ab31-2f4f-4a9f-8761-f4d77dc5a5d7", "serviceendpoint", "dev.azure.com"),
    ResourceArea("a85b8835-c1a1-4aac-ae97-1c3d0ba72dbd", "distributedtask", "dev.azure.com"),
    ResourceArea("5264459e-e5e0-4bd8-b118-0985e68a4ec5", "wit", "dev.azure.com"),
    ResourceArea("1d4f49f9-02b9-4e26-b826-2cdb6195f2a9", "work", "dev.azure.com"),
    ResourceArea("0a833654-df2a-437e-8253-fe6b63b82035", "environments", "dev.azure.com"),
    ResourceArea("e81700f7-3be2-46de-8624-2eb35882fcaa", "Location", "dev.azure.com"),
    ResourceArea("bb1e7ec9-e901-4b68-999a-de7012b920f8", "Graph", "vssps.dev.azure.com"),
    ResourceArea("8a3d49b8-91f0-46ef-b33d-dda338c25db3", "IMS", "vssps.dev.azure.com"),
    ResourceArea("af68438b-ed04-4407-9eb6-f1dbae3f922e", "TokenAdmin", "vssps.dev.azure.com"),
    ResourceArea("55967393-20ef-45c6-a96c-b5d5d5986a9a", "tokens", "vssps.dev.azure.com"),
    ResourceArea("68ddce18-2501-45f1-a17b-7931a9922690", "MemberEntitlementManagement", "vsaex.dev.azure.com"),
    ResourceArea("94ff054d-5ee1-413d-9341-3f4a7827de2e", "Audit", "auditservice.dev.azure.com"),
    ResourceArea("7ab4e64e-c4d8-4f50-ae73-5ef2e21642a5", "Packaging", "feeds.dev.azure.com"),
    ResourceArea("efc2f575-36ef-48e9-b672-0c6fb4a48ac5", "Release", "vsrm.dev.azure.com"),
    ResourceArea("6c2b0933-3600-42ae-bf8b-93d4f7e83594", "ExtensionManagement", "extmgmt.dev.azure.com"),
    ResourceArea("0d55247a-1c47-4462-9b1f-5e2125590ee6", "Account", ORGLESS_HOST),
    ResourceArea("8ccfef3d-2b87-4e99-8ccb-66e343d2daa8", "Profile", ORGLESS_HOST),
)


@dataclass(frozen=True)
class Location:
    """One API resource location as OPTIONS `_apis` describes it."""

    id: str
    host: str
    area: str
    resource: str
    route_template: str
    resource_version: int = 1
    released: bool = True

    def descriptor(self) -> dict[str, object]:
        """The ApiResourceLocation JSON the SDK deserializes."""
        return {
            "id": self.id,
            "area": self.area,
            "resourceName": self.resource,
            "routeTemplate": self.route_template,
            "resourceVersion": self.resource_version,
            "minVersion": 1.0,
            "maxVersion": 7.2,
            "releasedVersion": "7.1" if self.released else "0.0",
        }


#: Locations the official SDK calls, with the service's own route templates ({area}/{resource} are filled in
#: by the SDK; segments whose value it lacks are dropped, so one template serves list and get).
LOCATIONS: tuple[Location, ...] = (
    Location("e81700f7-3be2-46de-8624-2eb35882fcaa", "dev.azure.com", "Location", "ResourceAreas",
             "_apis/{resource}/{areaId}", 1, released=False),
    Location("603fe2ac-9723-48b9-88ad-09305aa6c6e1", "dev.azure.com", "core", "projects",
             "_apis/{resource}/{*projectId}", 4),
    Location("d30a3dd1-f8ba-442a-b86a-bd0c0c383e59", "dev.azure.com", "core", "teams",
             "_apis/projects/{projectId}/{resource}/{*teamId}", 3),
    Location("7a4d9ee9-3433-4347-b47a-7a80f1cf307e", "dev.azure.com", "core", "teams",
             "_apis/{resource}", 3, released=False),
    Location("225f7195-f9c7-4d14-ab28-a83f7ff77e1f", "dev.azure.com", "git", "repositories",
             "{project}/_apis/{area}/{resource}/{repositoryId}", 1),
    Location("2d874a60-a811-4f62-9c9f-963a6ea0a55b", "dev.azure.com", "git", "refs",
             "{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{*filter}", 1),
    Location("dbeaf647-6167-421a-bda9-c9327b25e2e6", "dev.azure.com", "build", "definitions",
             "{project}/_apis/{area}/{resource}/{definitionId}", 7),
    Location("e85f1c62-adfc-4b74-b618-11a150fb195e", "dev.azure.com", "serviceendpoint", "endpoints",
             "{project}/_apis/{area}/{resource}/{endpointId}", 4),
    Location("f5b09dd5-9d54-45a1-8b5a-1c8287d634cc", "dev.azure.com", "distributedtask", "variablegroups",
             "{project}/_apis/{area}/{resource}/{groupId}", 2),
    Location("005e26ec-6b77-4e4f-a986-b3827bf241f5", "vssps.dev.azure.com", "graph", "users",
             "_apis/{area}/{resource}/{userDescriptor}", 1, released=False),
    Location("ebbe6af8-0b91-4c13-8cf1-777c14858188", "vssps.dev.azure.com", "graph", "groups",
             "_apis/{area}/{resource}/{groupDescriptor}", 1, released=False),
)


def locations_for(host: str, routes: Sequence[Route]) -> list[Location]:
    """Every location served on `host`: the table above, then route metadata for ids the table lacks."""
    found = {location.id: location for location in LOCATIONS if location.host == host}
    for route in sorted(routes, key=lambda r: -r.pattern.count("/")):
        if route.host == host and route.location_id and route.location_id not in found:
            found[route.location_id] = Location(
                route.location_id, host, route.area or "", route.resource or "", route.pattern.strip("/"),
                route.resource_version, released=not route.preview_only,
            )
    return list(found.values())


def location_url(base_url: str, host: str, organization: str) -> str:
    """Where the simulator serves `host` for the organization (the area's locationUrl)."""
    return f"{base_url}/{host}/" if host == ORGLESS_HOST else f"{base_url}/{host}/{organization}/"


def discovery_routes(
    routes: Sequence[Route], base_url: str, organization: str, hosts: Sequence[str] = ()
) -> list[Route]:
    """The resourceAreas routes and an `OPTIONS _apis` route on every host (the served routes' and `hosts`), for
    `routes` served at `base_url`."""

    def area_info(area: ResourceArea) -> dict[str, str]:
        return {"id": area.id, "name": area.name, "locationUrl": location_url(base_url, area.host, organization)}

    def list_areas(request: SimRequest) -> SimResponse:
        value = [area_info(area) for area in RESOURCE_AREAS]
        return json_response({"count": len(value), "value": value})

    def get_area(request: SimRequest) -> SimResponse:
        wanted = request.path_params["areaId"].lower()
        for area in RESOURCE_AREAS:
            if wanted in (area.id, area.name.lower()):
                return json_response(area_info(area))
        return not_found(f"The resource area {request.path_params['areaId']} was not found.")

    def options_for(host: str) -> Route:
        descriptors = [location.descriptor() for location in locations_for(host, routes)]

        def options(request: SimRequest) -> SimResponse:
            return json_response({"count": len(descriptors), "value": descriptors})

        return Route("OPTIONS", host, "_apis", options, scope="")

    resource_areas = next(loc for loc in LOCATIONS if loc.resource == "ResourceAreas")
    area_routes = [
        Route("GET", "dev.azure.com", pattern, handler, scope="", preview_only=True, area="Location",
              resource="ResourceAreas", location_id=resource_areas.id, tstu_cost=0.01)
        for pattern, handler in (("_apis/ResourceAreas", list_areas), ("_apis/ResourceAreas/{areaId}", get_area))
    ]
    every_host = sorted({area.host for area in RESOURCE_AREAS} | {route.host for route in routes} | set(hosts))
    return area_routes + [options_for(host) for host in every_host]
