"""How simulated endpoints are declared and what a handler receives and returns.

The server (server.py, protocol.py) owns HTTP, authentication, api-version checks, rate limits, faults and
accounting; the endpoint modules (routes.py) own the data and envelopes. They meet here: a route says where it
lives, which PAT scope and api-version it needs, and which function answers it.

What the server reads from the state (data.py `OrgState`): `organization`, `org_id`; optional `tenant_id`
(Entra tenant), `owner` (the user who owns the PATs and signs in by device code: id, descriptor,
displayName, principalName) and `entra_sp` (the Entra service principal behind client-secret, certificate
and managed-identity tokens: id, descriptor, display_name, client_id). Missing ones get deterministic
stand-ins. If the state has a `faults` attribute the server sets it to an object whose
`should_expire_token()` answers for the request being handled on the calling thread (same as
`SimRequest.faults`). Handlers see the caller as `SimRequest.identity`: id, descriptor, displayName,
uniqueName, kind ("user" | "servicePrincipal"), scopes (frozenset of PAT scopes; {"app_token"} = full).

Admin endpoints: admin.py defines `ADMIN_ROUTES: dict[tuple[str, str], Handler]` keyed by
(METHOD, path under `/_simulator/`, lower-case, e.g. ("POST", "changes")). The server dispatches
`{base_url}/_simulator/<path>` to them without auth, with host "_simulator" and identity {}; the server's own
admin paths (stats, stats/reset, pats, devicecodes/approve) are answered before the table is consulted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class FaultHooks(Protocol):
    """What endpoint code may ask the fault injector (faults.py) while answering a request."""

    def should_expire_token(self) -> bool:
        """True when this request's continuation token is to be treated as expired (see `expired_token`)."""
        ...


class NoFaults:
    """The fault hooks of a simulator with faults off: nothing ever expires."""

    def should_expire_token(self) -> bool:
        """Never."""
        return False


@dataclass
class SimRequest:
    """One parsed request, as a handler sees it (after authentication and version checks passed)."""

    method: str
    host: str  # "dev.azure.com", "vssps.dev.azure.com", ..., "app.vssps.visualstudio.com"
    organization: str | None  # None on app.vssps.visualstudio.com
    path: str  # the path after host (and organization), e.g. "MyProject/_apis/git/repositories"
    path_params: dict[str, str]  # values captured by the route pattern, e.g. {"project": "MyProject"}
    query: dict[str, str]  # query parameters; keys as sent (use `param` for case-insensitive lookup)
    headers: Mapping[str, str] = field(repr=False)  # carries the caller's credentials: never printed
    body: Any  # parsed JSON body, or None
    identity: dict[str, Any]  # the authenticated identity (id, descriptor, displayName, kind, scopes)
    state: Any = field(repr=False)  # the simulator's data model (the organization being served)
    # Paging code asks `faults.should_expire_token()` when a continuation token was sent and, if True, answers
    # `expired_token()` instead of the page.
    faults: FaultHooks = field(default_factory=NoFaults)

    def param(self, name: str, default: str | None = None) -> str | None:
        """A query parameter by case-insensitive name (`$top` and `$TOP` are the same)."""
        lowered = name.lower()
        for key, value in self.query.items():
            if key.lower() == lowered:
                return value
        return default


@dataclass
class SimResponse:
    """What a handler returns: a JSON-able body (or raw bytes), a status and extra headers."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


Handler = Callable[[SimRequest], SimResponse]


@dataclass(frozen=True)
class Route:
    """One simulated endpoint.

    `pattern` is the path after `{host}/{organization}/` (or after the host for app.vssps.visualstudio.com)
    with `{name}` placeholders, matched case-insensitively, e.g.
    "{project}/_apis/git/repositories/{repositoryId}/refs".
    """

    method: str
    host: str
    pattern: str
    handler: Handler
    scope: str  # PAT scope needed, e.g. "vso.code"; "" = any authenticated caller
    # True: a plain "7.1" api-version is refused with VssInvalidPreviewVersionException
    preview_only: bool = False
    area: str = ""  # resource area name for location discovery (official client), e.g. "core", "git"
    resource: str = ""  # location resource name, e.g. "projects"
    location_id: str = ""  # the location GUID the official client asks for
    resource_version: int = 1  # the N in 7.1-preview.N that clients send
    tstu_cost: float = 0.05  # rate-limit cost of one call (TSTUs)

    def compile(self) -> re.Pattern[str]:
        """The pattern as a case-insensitive regular expression capturing each placeholder."""
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.pattern.strip("/")))
        return re.compile(f"^{regex}/?$", re.IGNORECASE)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> SimResponse:
    """A JSON answer."""
    return SimResponse(body=body, status=status, headers=dict(headers or {}))


def error_response(
    status: int,
    message: str,
    type_name: str,
    type_key: str,
    event_id: int = 3000,
    custom_properties: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> SimResponse:
    """An error in the service's exact shape.

    Keys: $id, (customProperties), innerException, message, typeName, typeKey, errorCode, eventId.
    """
    body: dict[str, Any] = {"$id": "1"}
    if custom_properties is not None:
        body["customProperties"] = custom_properties
    body.update(
        {
            "innerException": None,
            "message": message,
            "typeName": type_name,
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": event_id,
        }
    )
    return SimResponse(body=body, status=status, headers=dict(headers or {}))


def not_found(message: str, type_key: str = "NotFoundException") -> SimResponse:
    """A 404 with the service's error body."""
    return error_response(
        404,
        message,
        f"Microsoft.VisualStudio.Services.WebApi.{type_key}, Microsoft.VisualStudio.Services.WebApi",
        type_key,
    )


def expired_token() -> SimResponse:
    """The 400 a paged endpoint answers when the continuation token it was given has expired."""
    return error_response(
        400,
        "The continuation token is expired or invalid. Restart the query without a continuation token.",
        "Microsoft.VisualStudio.Services.WebApi.InvalidContinuationTokenException, "
        "Microsoft.VisualStudio.Services.WebApi",
        "InvalidContinuationTokenException",
    )
