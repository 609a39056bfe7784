"""Azure DevOps protocol rules the simulator enforces before an endpoint answers.

api-version negotiation, credentials (PATs and Entra bearer tokens), PAT scopes, and the exact bodies and
headers the real service answers with when one of those checks fails.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from resmo_pipeline.simulator.routing import SimResponse, error_response

#: Scope of a full-access PAT, as the token admin API reports it.
FULL_SCOPE = "app_token"

#: api-version range the simulated service supports (the official clients send 5.0 ... 7.2).
MIN_VERSION = (5, 0)
MAX_VERSION = (7, 2)
#: Highest released (non-preview) version; anything newer must carry -preview.
RELEASED_VERSION = (7, 1)

_VERSION_RE = re.compile(r"^\s*(\d+)\.(\d+)(-preview(\.(\d+))?)?\s*$", re.IGNORECASE)
_ACCEPT_VERSION_RE = re.compile(r"api-version\s*=\s*([^;,\s]+)", re.IGNORECASE)

_WEBAPI = "Microsoft.VisualStudio.Services.WebApi"

SIGN_IN_PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8" />
<title>Azure DevOps Services | Sign In</title>
</head>
<body>
<p>You need to sign in to access this resource.</p>
<a href="https://app.vssps.visualstudio.com/_signin">Sign in</a>
</body>
</html>
"""


@dataclass(frozen=True)
class ApiVersion:
    """A parsed api-version such as 7.1, 7.1-preview or 7.1-preview.4."""

    major: int
    minor: int
    preview: bool
    resource_version: int | None

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}"
        if self.preview:
            text += "-preview"
            if self.resource_version is not None:
                text += f".{self.resource_version}"
        return text


def requested_version(query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """The api-version the caller sent: the query parameter, else the Accept header's parameter."""
    for key, value in query.items():
        if key.lower() == "api-version":
            return value
    accept = headers.get("Accept") or ""
    match = _ACCEPT_VERSION_RE.search(accept)
    return match.group(1) if match else None


def check_version(raw: str | None, method: str, preview_only: bool) -> SimResponse | None:
    """None when `raw` is acceptable for a route, else the 400 the service answers."""
    if raw is None:
        return error_response(
            400,
            f'No api-version was supplied for the "{method}" request. The version must be supplied either as '
            'part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter '
            '(e.g. "?api-version=1.0").',
            f"{_WEBAPI}.VssVersionNotSpecifiedException, {_WEBAPI}",
            "VssVersionNotSpecifiedException",
        )
    match = _VERSION_RE.match(raw)
    if match is None or not MIN_VERSION <= (int(match.group(1)), int(match.group(2))) <= MAX_VERSION:
        return error_response(
            400,
            f"The requested REST API version of {raw} is out of range for this server. The latest REST API "
            f"version this server supports is {MAX_VERSION[0]}.{MAX_VERSION[1]}.",
            f"{_WEBAPI}.VssVersionOutOfRangeException, {_WEBAPI}",
            "VssVersionOutOfRangeException",
        )
    version = ApiVersion(
        int(match.group(1)), int(match.group(2)), match.group(3) is not None,
        int(match.group(5)) if match.group(5) else None,
    )
    if not version.preview and (preview_only or (version.major, version.minor) > RELEASED_VERSION):
        plain = f"{version.major}.{version.minor}"
        return error_response(
            400,
            f'The requested version "{plain}" of the resource is under preview. The -preview flag must be '
            f'supplied in the api-version for such requests. For example: "{plain}-preview"',
            f"{_WEBAPI}.VssInvalidPreviewVersionException, {_WEBAPI}",
            "VssInvalidPreviewVersionException",
        )
    return None


# --- credentials -----------------------------------------------------------------------------------------

#: Rank of a scope suffix: a PAT scope satisfies a required scope of the same family and lower or equal rank
#: (vso.code_manage > vso.code_write > vso.code; vso.variablegroups_manage > vso.variablegroups_read).
_SCOPE_RANKS: dict[str, int] = {
    "": 0, "_read": 0, "_status": 0, "_execute": 1, "_write": 1, "_manage": 2, "_full": 3,
}
_SCOPE_RE = re.compile(r"^(?P<family>.+?)(?P<level>_read|_status|_execute|_write|_manage|_full)?$")


def _split_scope(scope: str) -> tuple[str, int]:
    match = _SCOPE_RE.match(scope.strip().lower())
    assert match is not None  # the pattern matches every non-empty string
    return match.group("family"), _SCOPE_RANKS[match.group("level") or ""]


def scope_grants(held: Iterable[str], required: str) -> bool:
    """Whether a PAT holding `held` scopes may call a route needing `required` ("" = any caller)."""
    if not required:
        return True
    held = set(held)
    if FULL_SCOPE in held:
        return True
    family, rank = _split_scope(required)
    for scope in held:
        held_family, held_rank = _split_scope(scope)
        if held_family == family and held_rank >= rank:
            return True
    return False


@dataclass(frozen=True)
class Pat:
    """A personal access token the simulator accepts: its scopes and whether it spans all organizations."""

    scopes: frozenset[str]
    all_organizations: bool = False
    display_name: str = ""

    def __repr__(self) -> str:
        return f"Pat(scopes={sorted(self.scopes)}, all_organizations={self.all_organizations})"


@dataclass
class PatStore:
    """The PATs the simulator accepts, issued at start or through the admin API. Thread-safe."""

    _tokens: dict[str, Pat] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, token: str, pat: Pat) -> str:
        """Register `token`; returns it."""
        with self._lock:
            self._tokens[token] = pat
        return token

    def issue(self, scopes: Iterable[str], all_organizations: bool = False) -> str:
        """A new random token limited to `scopes`."""
        return self.add(
            secrets.token_urlsafe(39)[:52].lower(),
            Pat(frozenset(scopes), all_organizations),
        )

    def get(self, token: str) -> Pat | None:
        """The PAT record for `token`, or None when it is not a PAT this simulator issued."""
        with self._lock:
            return self._tokens.get(token)

    def __repr__(self) -> str:
        return f"PatStore({len(self._tokens)} tokens)"


def parse_authorization(header: str | None) -> tuple[str, str] | None:
    """("basic", pat) or ("bearer", token) from an Authorization header; None when absent or malformed."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _, sep, password = decoded.partition(":")
        return ("basic", password) if sep and password else None
    if scheme.lower() == "bearer" and value:
        return ("bearer", value)
    return None


# --- failure answers ---------------------------------------------------------------------------------------


def unauthenticated(suppress_redirect: bool, anonymous: bool, tenant_id: str, realm: str) -> SimResponse:
    """Missing or bad credentials: the HTML sign-in page (203), or 401 TF400813 when the caller suppresses
    the federated-auth redirect with `X-TFS-FedAuthRedirect: Suppress`."""
    if not suppress_redirect:
        return SimResponse(
            body=SIGN_IN_PAGE.encode("utf-8"), status=203, content_type="text/html; charset=utf-8",
        )
    return unauthorized(anonymous, tenant_id, realm)


def unauthorized(anonymous: bool, tenant_id: str, realm: str) -> SimResponse:
    """The 401 TF400813 answer with the service's WWW-Authenticate and federation headers."""
    message = (
        "TF400813: Resource not available for anonymous access. Client authentication required."
        if anonymous
        else "TF400813: The user '' is not authorized to access this resource."
    )
    response = error_response(
        401,
        message,
        "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, "
        "Microsoft.TeamFoundation.Framework.Server",
        "UnauthorizedRequestException",
    )
    response.headers.update(
        {
            # Two challenges; the server writes each line of a header value as its own header.
            "WWW-Authenticate": f"Bearer authorization_uri=https://login.microsoftonline.com/{tenant_id}\n"
            f'Basic realm="{realm}"',
            "X-TFS-FedAuthRealm": realm,
            "X-TFS-FedAuthIssuer": realm,
            "X-VSS-ResourceTenant": tenant_id,
            "X-VSS-AuthorizationEndpoint": "https://vssps.dev.azure.com/",
        }
    )
    return response


def missing_scope(identity: Mapping[str, Any], scope: str) -> SimResponse:
    """403 for a PAT that lacks the scope a route needs; the message names the scope."""
    return error_response(
        403,
        f"Access Denied: The Personal Access Token used does not have the required scope '{scope}' for "
        f"{identity.get('displayName', '')} to perform this action.",
        f"Microsoft.VisualStudio.Services.Security.AccessCheckException, {_WEBAPI}",
        "AccessCheckException",
        custom_properties={
            "Descriptor": None,
            "IdentityDisplayName": None,
            "Token": None,
            "RequestedPermissions": 0,
            "NamespaceId": "00000000-0000-0000-0000-000000000000",
            "RequiredScope": scope,
        },
    )


def route_not_found(path: str) -> SimResponse:
    """404 for a path no simulated endpoint serves."""
    return error_response(
        404,
        f"The resource cannot be found. Path: {path}",
        "Microsoft.TeamFoundation.Framework.Server.ResourceNotFoundException, "
        "Microsoft.TeamFoundation.Framework.Server",
        "ResourceNotFoundException",
    )


def organization_not_found(organization: str) -> SimResponse:
    """404 for an organization this simulator does not host."""
    return error_response(
        404,
        f"TF400898: The organization '{organization}' could not be found. Verify the URL and try again.",
        f"{_WEBAPI}.HostNotFoundException, {_WEBAPI}",
        "HostNotFoundException",
    )
