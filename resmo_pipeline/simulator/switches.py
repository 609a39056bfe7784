"""Switches: parts of the simulated organization that are missing, off or changed, as in real organizations.

A `Switches` lives on `OrgState.switches` and is honoured where the server dispatches a request to its route
(`answer`). Set it with `run_simulator(..., switches=Switches(...))` (or a dict of the same fields) or at run
time with the admin API: `POST {base_url}/_simulator/changes {"action": "set_switches", ...fields}` (the given
fields replace the current ones; `"reset": true` first restores the defaults).

- `services_off`: project (name or id) -> areas switched off in that project: "repos", "pipelines",
  "artifacts", "boards". That project's calls of the area answer the service's "disabled" error (see
  `service_off`), the other projects are unaffected.
- `hidden_projects`: projects the token cannot see: every call under that project answers `hidden_status`
  (404 TF200016 "project does not exist", as the service answers for projects hidden from the caller, or 403).
  The project stays in the projects listing (project-scoped access: listed, but not readable).
- `entra_backed=False`: the organization is not connected to Entra ID: the audit log and audit streams answer
  the service's "only available for organizations backed by Microsoft Entra ID" error and the Entra connection
  data provider answers without tenant (`orgnizationTenantData: null`).
- `internal_gone`: internal data providers (contribution ids, see `INTERNAL_PROVIDERS`) that no longer exist:
  their settings page and any HierarchyQuery naming them answer 404.
- `internal_changed`: internal data providers whose answer changed shape: their data comes back as
  `{"version": 2, "items": [{"key", "value"}...]}` instead of the object it was.
- `html_routes`: route patterns (e.g. "_apis/git/repositories" or "{project}/_apis/git/repositories") that
  answer 200 with an HTML error page instead of JSON (not the sign-in page).
- `missing_routes`: route patterns that answer 404 ResourceNotFoundException (the endpoint is not offered).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response

POLICY_PROVIDER = "ms.vss-admin-web.organization-policies-data-provider"
HIERARCHY_POLICY_PROVIDER = "ms.vss-org-web.collection-admin-policy-data-provider"
PIPELINE_SETTINGS_PROVIDER = "ms.vss-build-web.pipelines-org-settings-data-provider"
AAD_PROVIDER = "ms.vss-admin-web.organization-admin-aad-data-provider"
#: The internal data providers the simulator serves, and the settings pages that embed them.
INTERNAL_PROVIDERS: dict[str, str] = {
    POLICY_PROVIDER: "_settings/organizationPolicy",
    HIERARCHY_POLICY_PROVIDER: "",
    PIPELINE_SETTINGS_PROVIDER: "",
    AAD_PROVIDER: "_settings/organizationAad",
}
#: Short names accepted for the providers in `internal_gone` / `internal_changed`.
PROVIDER_ALIASES = {
    "organization_policies": POLICY_PROVIDER,
    "organization_pipeline_settings": PIPELINE_SETTINGS_PROVIDER,
    "organization_entra_connection": AAD_PROVIDER,
}
#: Areas that can be switched off per project, the service's name for them, and the path fragments of their calls.
SERVICE_AREAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "repos": ("Repos", ("_apis/git/", "_apis/policy/")),
    "pipelines": ("Pipelines", ("_apis/build/", "_apis/pipelines", "_apis/release/", "_apis/distributedtask/")),
    "artifacts": ("Artifacts", ("_apis/packaging/",)),
    "boards": ("Boards", ("_apis/wit/", "_apis/work/")),
}
HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Azure DevOps Services | Error</title></head>"
             b"<body><h1>Something went wrong</h1><p>The page you are looking for is not available.</p></body></html>")


@dataclass
class Switches:
    """What is missing, off or changed in the simulated organization (see the module docstring)."""

    services_off: dict[str, set[str]] = field(default_factory=dict)
    hidden_projects: set[str] = field(default_factory=set)
    hidden_status: int = 404
    entra_backed: bool = True
    internal_gone: set[str] = field(default_factory=set)
    internal_changed: set[str] = field(default_factory=set)
    html_routes: set[str] = field(default_factory=set)
    missing_routes: set[str] = field(default_factory=set)

    @classmethod
    def from_value(cls, value: Switches | Mapping[str, Any] | None) -> Switches:
        """Switches from an instance, a dict of its fields (lists for sets; JSON from the admin API) or None."""
        if value is None:
            return cls()
        if isinstance(value, Switches):
            return value
        switches = cls()
        switches.update(value)
        return switches

    def update(self, values: Mapping[str, Any]) -> None:
        """Replace the given fields; raises ValueError for an unknown field or area."""
        known = {f.name for f in fields(self)}
        unknown = [name for name in values if name not in known]
        if unknown:
            raise ValueError(f"unknown switches {unknown}; known: {sorted(known)}")
        for name, value in values.items():
            if name == "services_off":
                off = {str(p).lower(): {str(a).lower() for a in areas} for p, areas in dict(value).items()}
                bad = sorted({a for areas in off.values() for a in areas} - set(SERVICE_AREAS))
                if bad:
                    raise ValueError(f"unknown service areas {bad}; known: {sorted(SERVICE_AREAS)}")
                self.services_off = off
            elif name in ("internal_gone", "internal_changed"):
                setattr(self, name, {PROVIDER_ALIASES.get(str(v), str(v)) for v in value})
            elif name in ("hidden_projects", "html_routes", "missing_routes"):
                setattr(self, name, {_key(v) for v in value})
            elif name == "hidden_status":
                self.hidden_status = int(value)
            else:
                self.entra_backed = bool(value)

    def as_dict(self) -> dict[str, Any]:
        """The switches as JSON-able data (sets as sorted lists)."""
        return {
            "services_off": {p: sorted(a) for p, a in self.services_off.items()},
            "hidden_projects": sorted(self.hidden_projects),
            "hidden_status": self.hidden_status,
            "entra_backed": self.entra_backed,
            "internal_gone": sorted(self.internal_gone),
            "internal_changed": sorted(self.internal_changed),
            "html_routes": sorted(self.html_routes),
            "missing_routes": sorted(self.missing_routes),
        }


def _key(value: Any) -> str:
    return str(value).strip("/").lower()


def service_off(service: str) -> SimResponse:
    """The error of a call to a service switched off in its project."""
    return error_response(
        404, f"The {service} service is disabled for this project. A project administrator can turn it on in "
        "Project settings > Overview > Azure DevOps services.",
        "Microsoft.VisualStudio.Services.FeatureAvailability.FeatureDisabledException, "
        "Microsoft.VisualStudio.Services.WebApi", "FeatureDisabledException",
    )


def project_hidden(name: str, status: int) -> SimResponse:
    """What a call under a project the caller cannot see answers (404 like a missing project, or 403)."""
    if status == 403:
        return error_response(
            403, f"VS800075: The project with id '{name}' does not exist, or you do not have permission to access "
            "it.", "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistException, "
            "Microsoft.TeamFoundation.Core.WebApi", "ProjectDoesNotExistException",
        )
    return error_response(
        404, f"TF200016: The following project does not exist: {name}. Verify that the name of the project is "
        "correct and that the project exists on the specified Azure DevOps Server.",
        "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, "
        "Microsoft.TeamFoundation.Core.WebApi", "ProjectDoesNotExistWithNameException",
    )


def not_entra_backed() -> SimResponse:
    """The audit service's answer in an organization not connected to Entra ID."""
    return error_response(
        400, "Auditing is only available for organizations backed by Microsoft Entra ID (Azure Active Directory).",
        "Microsoft.VisualStudio.Services.Audit.AuditLogNotSupportedException, Microsoft.VisualStudio.Services.Audit",
        "AuditLogNotSupportedException",
    )


def _route_not_found(path: str) -> SimResponse:
    return error_response(
        404, f"The resource cannot be found. Path: {path}",
        "Microsoft.TeamFoundation.Framework.Server.ResourceNotFoundException, "
        "Microsoft.TeamFoundation.Framework.Server", "ResourceNotFoundException",
    )


def _changed(data: Any) -> dict[str, Any]:
    items = data.items() if isinstance(data, dict) else enumerate(data or [])
    return {"version": 2, "items": [{"key": key, "value": value} for key, value in items]}


def _requested_providers(request: SimRequest) -> list[str]:
    ids = request.body.get("contributionIds") if isinstance(request.body, dict) else None
    return [str(i) for i in ids or []]


def _page_provider(pattern: str) -> str | None:
    for provider, page in INTERNAL_PROVIDERS.items():
        if page and page.lower() == pattern:
            return provider
    return None


def _intercept(switches: Switches, route: Route, request: SimRequest) -> SimResponse | None:
    pattern = _key(route.pattern)
    path = f"/{request.host}/{request.organization or ''}/{request.path}"
    if pattern in switches.missing_routes:
        return _route_not_found(path)
    if pattern in switches.html_routes:
        return SimResponse(body=HTML_PAGE, status=200, content_type="text/html; charset=utf-8")
    project = request.path_params.get("project")
    if project is not None and pattern.startswith("{project}/"):
        state = request.state
        found = state.project(project) if hasattr(state, "project") else None
        keys = {project.lower()} | ({found["id"].lower(), found["name"].lower()} if found else set())
        if keys & switches.hidden_projects:
            return project_hidden(project, switches.hidden_status)
        off = set().union(*(switches.services_off.get(k, set()) for k in keys))
        for area in off:
            service, fragments = SERVICE_AREAS[area]
            if any(fragment in pattern for fragment in fragments):
                return service_off(service)
    if not switches.entra_backed and request.host == "auditservice.dev.azure.com":
        return not_entra_backed()
    page = _page_provider(pattern)
    if page is not None and page in switches.internal_gone:
        return _route_not_found(path)
    if pattern.endswith("contribution/hierarchyquery") and set(_requested_providers(request)) & switches.internal_gone:
        return _route_not_found(path)
    return None


def _alter(switches: Switches, route: Route, request: SimRequest, response: SimResponse) -> SimResponse:
    if response.status >= 300 or not isinstance(response.body, dict):
        return response
    pattern = _key(route.pattern)
    page = _page_provider(pattern)
    if page is not None:
        data = ((response.body.get("fps") or {}).get("dataProviders") or {}).get("data") or {}
        if page in data:
            if page == AAD_PROVIDER and not switches.entra_backed:
                data[page] = {"orgnizationTenantData": None}
            if page in switches.internal_changed:
                data[page] = _changed(data[page])
    elif pattern.endswith("contribution/hierarchyquery"):
        providers = response.body.get("dataProviders") or {}
        for provider in list(providers):
            if provider == AAD_PROVIDER and not switches.entra_backed:
                providers[provider] = {"orgnizationTenantData": None}
            if provider in switches.internal_changed:
                providers[provider] = _changed(providers[provider])
    return response


def answer(
    route: Route, request: SimRequest, handler: Callable[[SimRequest], SimResponse] | None = None
) -> SimResponse:
    """The route's answer to the request with the state's switches applied (no switches: the handler's)."""
    switches = getattr(request.state, "switches", None)
    run = handler or route.handler
    if switches is None:
        return run(request)
    blocked = _intercept(switches, route, request)
    if blocked is not None:
        return blocked
    return _alter(switches, route, request, run(request))

