"""The simulated Azure DevOps service: HTTP server, request pipeline and the `run_simulator` entry point.

The real URL `https://{host}/{path}` is served at `{base_url}/{host}/{path}`. Every request passes, in the
service's order: organization lookup, credentials, route match, api-version, PAT scope, rate limit, injected
fault, then the endpoint (routes.py) with the organization's switches applied (switches.py: services off,
hidden projects, no Entra backing, internal endpoints gone or changed, HTML answers).
With a latency, an API answer leaves that long after its request arrived (the simulator's own work included,
as a remote service's answer time includes its work). Answers carry the service's ActivityId,
X-TFS-Session and X-VSS-UserData headers. Admin endpoints live under `{base_url}/_simulator/`.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import random
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from resmo_pipeline.simulator import protocol
from resmo_pipeline.simulator import switches as switches_module
from resmo_pipeline.simulator.accounting import Accounting
from resmo_pipeline.simulator.discovery import ORGLESS_HOST, discovery_routes
from resmo_pipeline.simulator.entra import SERVICE_PRINCIPAL, EntraInfo, EntraServer
from resmo_pipeline.simulator.faults import (
    DROP,
    EXPIRE_TOKEN,
    SERVER_ERROR,
    SLOW,
    UNAVAILABLE,
    FaultInjector,
    RequestFaults,
    fault_response,
)
from resmo_pipeline.simulator.ratelimit import RateLimitConfig, RateLimiter
from resmo_pipeline.simulator.routing import Handler, Route, SimRequest, SimResponse, error_response, json_response

logger = logging.getLogger("resmo_pipeline.simulator")

#: Every host the simulator serves (reference §1).
HOSTS: tuple[str, ...] = (
    "dev.azure.com",
    "vssps.dev.azure.com",
    "vsaex.dev.azure.com",
    "vsrm.dev.azure.com",
    "auditservice.dev.azure.com",
    "feeds.dev.azure.com",
    "extmgmt.dev.azure.com",
    "advsec.dev.azure.com",
    ORGLESS_HOST,
)
ADMIN_PREFIX = "_simulator"
#: What a route pipeline answer may also be: close the connection without any answer (a dropped connection).
DROPPED = object()


class RouteTable:
    """Routes indexed by host, method and number of path segments; patterns match case-insensitively.

    A placeholder matches exactly one segment, so only routes with as many segments as the path can match.
    """

    def __init__(self, routes: Sequence[Route]) -> None:
        self._index: dict[tuple[str, str, int], list[tuple[re.Pattern[str], Route]]] = {}
        for route in routes:
            segments = len(route.pattern.strip("/").split("/"))
            self._index.setdefault((route.host.lower(), route.method.upper(), segments), []).append(
                (route.compile(), route)
            )

    def match(self, host: str, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route serving `method path` on `host` and its captured placeholders; HEAD falls back to GET."""
        methods = (method, "GET") if method == "HEAD" else (method,)
        segments = len(path.rstrip("/").split("/"))
        for candidate in methods:
            for regex, route in self._index.get((host, candidate, segments), ()):
                found = regex.match(path)
                if found:
                    return route, found.groupdict()
        return None


@dataclass
class Outcome:
    """The answer to one request plus what accounting needs to know about it."""

    response: SimResponse | object
    route_key: str
    identity: dict[str, Any] = field(default_factory=dict)
    counted: bool = True  # False for the admin API and the managed identity endpoint: not service traffic
    # The simulated latency: the answer leaves no sooner than this long after the request arrived.
    answer_after_s: float = 0.0


class SimulatorApp:
    """The request pipeline: pure logic, no sockets (the HTTP handler below feeds it)."""

    def __init__(
        self,
        state: Any,
        routes: Sequence[Route],
        admin_routes: Mapping[tuple[str, str], Handler],
        pats: protocol.PatStore,
        entra: EntraServer,
        latency_ms: float = 0.0,
        faults: FaultInjector | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.state = state
        self.routes = list(routes)
        self.table = RouteTable(self.routes)
        self.admin_routes = {(m.upper(), p.strip("/").lower()): h for (m, p), h in admin_routes.items()}
        self.pats = pats
        self.entra = entra
        self.latency_s = latency_ms / 1000.0
        self.faults = faults or FaultInjector(0.0)
        self.rate_limiter = rate_limiter
        self.accounting = Accounting()
        self.session_id = str(uuid.uuid4())
        self.realm = f"https://{getattr(state, 'organization', 'org')}.visualstudio.com/"
        self._admin_lock = threading.Lock()
        self._discovery: set[int] = set()
        self.user_identity = _identity(getattr(state, "owner", None), "user", state)
        self.sp_identity = _identity(getattr(state, "entra_sp", None), "servicePrincipal", state)
        self.current_faults = CurrentFaults()
        if hasattr(state, "faults"):
            state.faults = self.current_faults

    def add_discovery(self, routes: Sequence[Route]) -> None:
        """Serve the location-discovery routes too (they bypass faults and rate limits)."""
        self._discovery = {id(route) for route in routes}
        self.routes += routes
        self.table = RouteTable(self.routes)

    # --- pipeline -------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Outcome:
        """Answer one HTTP request."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True)) if parts.query else {}
        segments = [unquote(s) if "%" in s else s for s in parts.path.split("/") if s]
        if not segments:
            return Outcome(protocol.route_not_found(parts.path), "unmatched")
        first = segments[0].lower()
        if first == ADMIN_PREFIX:
            return self._admin(method, "/".join(segments[1:]).lower(), query, headers, body)
        if [s.lower() for s in segments[:2]] == ["msi", "token"]:
            status, answer = self.entra.managed_identity_token(query, headers)
            return Outcome(json_response(answer, status), "GET msi/token", counted=False)
        if first not in HOSTS:
            return Outcome(protocol.route_not_found(parts.path), "unmatched")
        organization: str | None = None
        rest = segments[1:]
        if first != ORGLESS_HOST:
            if not rest or rest[0].lower() != str(self.state.organization).lower():
                return Outcome(protocol.organization_not_found(rest[0] if rest else ""), "unknown organization")
            organization, rest = rest[0], rest[1:]
        outcome = self._api(method, first, organization, "/".join(rest), query, headers, body)
        outcome.answer_after_s = self.latency_s
        return outcome

    def _api(
        self, method: str, host: str, organization: str | None, path: str, query: dict[str, str],
        headers: Mapping[str, str], body: bytes,
    ) -> Outcome:
        identity, scopes, failure = self._authenticate(method, headers, host)
        if failure is not None:
            return Outcome(failure, "unauthenticated")
        matched = self.table.match(host, method, path)
        if matched is None:
            return Outcome(protocol.route_not_found(f"/{host}/{organization or ''}/{path}"), "unmatched", identity)
        route, path_params = matched
        key = f"{route.method} {route.host}/{route.pattern}"
        version = protocol.requested_version(query, headers)
        if route.method != "OPTIONS":
            refusal = protocol.check_version(version, method, route.preview_only)
            if refusal is not None:
                return Outcome(refusal, key, identity)
        if scopes is not None and not protocol.scope_grants(scopes, route.scope):
            return Outcome(protocol.missing_scope(identity, route.scope), key, identity)
        is_discovery = id(route) in self._discovery
        extra_headers: dict[str, str] = {}
        if self.rate_limiter is not None and not is_discovery:
            decision = self.rate_limiter.admit(identity["id"], route.tstu_cost)
            if decision.blocked is not None:
                self.accounting.throttled(blocked=True)
                return Outcome(decision.blocked, key, identity)
            extra_headers = decision.headers
            if decision.delay_s > 0:
                self.accounting.throttled(delayed_s=decision.delay_s)
                time.sleep(decision.delay_s)
        fault = None if is_discovery else self.faults.draw()
        if fault in (SERVER_ERROR, UNAVAILABLE, DROP):
            self.accounting.fault(fault)
            return Outcome(DROPPED if fault == DROP else fault_response(fault), key, identity)
        if fault == SLOW:
            self.accounting.fault(SLOW)
            time.sleep(self.faults.slow_s)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            return Outcome(
                error_response(400, "The request body could not be parsed as JSON.",
                               "System.ArgumentException, mscorlib", "ArgumentException"),
                key, identity,
            )
        request_faults = RequestFaults(
            fault if fault == EXPIRE_TOKEN else None, lambda: self.accounting.fault(EXPIRE_TOKEN),
        )
        request = SimRequest(
            method=method, host=host, organization=organization, path=path, path_params=path_params,
            query=query, headers=headers, body=parsed, identity=identity, state=self.state,
            faults=request_faults,
        )
        self.current_faults.local.faults = request_faults
        try:
            response = switches_module.answer(route, request)
            if not isinstance(response, SimResponse):
                raise TypeError(f"handler returned {type(response).__name__}, not SimResponse")
        except Exception:
            logger.exception("simulated endpoint %s failed", key)
            response = fault_response(SERVER_ERROR)
        finally:
            self.current_faults.local.faults = None
        for name, value in extra_headers.items():
            response.headers.setdefault(name, value)
        if version and response.content_type.startswith("application/json") and "api-version" not in (
            response.content_type
        ):
            # The service names the version it answered with in the media type.
            response.content_type = f"{response.content_type}; api-version={version}"
        return Outcome(response, key, identity)

    def _authenticate(
        self, method: str, headers: Mapping[str, str], host: str,
    ) -> tuple[dict[str, Any], frozenset[str] | None, SimResponse | None]:
        """(identity, PAT scopes or None for bearer tokens, failure answer or None)."""
        # Only GET/HEAD/POST are redirected to the sign-in page; PATCH, PUT, DELETE... get the 401 directly.
        suppress = (headers.get("X-TFS-FedAuthRedirect") or "").lower() == "suppress" or method not in (
            "GET", "HEAD", "POST",
        )
        tenant = self.entra.tenant_id
        credentials = protocol.parse_authorization(headers.get("Authorization"))
        if credentials is None:
            anonymous = not headers.get("Authorization")
            return {}, None, protocol.unauthenticated(suppress, anonymous, tenant, self.realm)
        scheme, secret = credentials
        if scheme == "basic":
            pat = self.pats.get(secret)
            if pat is None:
                return {}, None, protocol.unauthenticated(suppress, False, tenant, self.realm)
            if host == ORGLESS_HOST and not pat.all_organizations:
                return {}, None, protocol.unauthorized(False, tenant, self.realm)
            return {**self.user_identity, "scopes": pat.scopes}, pat.scopes, None
        kind = self.entra.tokens.kind_of(secret)
        if kind is None:
            return {}, None, protocol.unauthenticated(suppress, False, tenant, self.realm)
        identity = self.sp_identity if kind == SERVICE_PRINCIPAL else self.user_identity
        return {**identity, "scopes": frozenset({protocol.FULL_SCOPE})}, None, None

    # --- admin API ------------------------------------------------------------------------------------

    def _admin(
        self, method: str, path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes,
    ) -> Outcome:
        key = f"{method} /{ADMIN_PREFIX}/{path}"
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return Outcome(json_response({"error": "body is not JSON"}, 400), key, counted=False)
        own = {
            ("GET", "stats"): lambda: json_response(self.accounting.snapshot()),
            ("POST", "stats/reset"): self._reset_stats,
            ("POST", "pats"): lambda: self._issue_pat(payload),
            ("POST", "devicecodes/approve"): lambda: self._approve(payload),
            ("POST", "tokens/expire"): self._expire_tokens,
        }
        if (method, path) in own:
            return Outcome(own[(method, path)](), key, counted=False)
        handler = self.admin_routes.get((method, path))
        if handler is None:
            missing = json_response({"error": f"no admin endpoint {method} /{ADMIN_PREFIX}/{path}"}, 404)
            return Outcome(missing, key, counted=False)
        request = SimRequest(
            method=method, host=ADMIN_PREFIX, organization=str(self.state.organization), path=path,
            path_params={}, query=query, headers=headers, body=payload, identity={}, state=self.state,
        )
        with self._admin_lock:
            return Outcome(handler(request), key, counted=False)

    def _reset_stats(self) -> SimResponse:
        self.accounting.reset()
        return json_response({"reset": True})

    def _issue_pat(self, payload: Mapping[str, Any]) -> SimResponse:
        scopes = payload.get("scopes") or [protocol.FULL_SCOPE]
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            return json_response({"error": "scopes must be a list of strings"}, 400)
        token = self.pats.issue(scopes, bool(payload.get("all_organizations", False)))
        return json_response({"token": token, "scopes": scopes}, 201)

    def _approve(self, payload: Mapping[str, Any]) -> SimResponse:
        approved = self.entra.approve_device_code(str(payload.get("user_code", "")))
        return json_response({"approved": approved}, 200 if approved else 404)

    def _expire_tokens(self) -> SimResponse:
        self.entra.tokens.expire_all()
        return json_response({"expired": True})

    # --- response headers -----------------------------------------------------------------------------

    def service_headers(self, identity: Mapping[str, Any], request_headers: Mapping[str, str]) -> dict[str, str]:
        """Headers every service answer carries."""
        # uuid4() reads the OS random source once per request; a pseudo-random id looks the same and is cheaper.
        activity = str(uuid.UUID(int=random.getrandbits(128), version=4))
        headers = {
            "ActivityId": activity,
            "X-TFS-Session": request_headers.get("X-TFS-Session") or self.session_id,
            "X-VSS-E2EID": activity,
            "X-TFS-ProcessId": self.session_id,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        }
        if identity:
            headers["X-VSS-UserData"] = f"{identity['id']}:{identity.get('uniqueName', '')}"
        return headers


class CurrentFaults:
    """`state.faults` for endpoint code that asks the state: answers for the request on the calling thread."""

    def __init__(self) -> None:
        self.local = threading.local()

    def should_expire_token(self) -> bool:
        """True when the current request's continuation token is to be answered as expired."""
        faults = getattr(self.local, "faults", None)
        return faults is not None and faults.should_expire_token()


def _identity(source: Any, kind: str, state: Any) -> dict[str, Any]:
    """The caller identity handlers see, from the state's record (data.py `owner` / `entra_sp`) if any."""
    record = dict(source) if isinstance(source, Mapping) else {}
    seed = f"{getattr(state, 'org_id', '')}/{kind}"
    fallback_id = str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    identity = {
        "id": record.get("id") or fallback_id,
        "descriptor": record.get("descriptor") or ("aad." if kind == "user" else "aadsp.") + fallback_id,
        "displayName": record.get("displayName") or record.get("display_name")
        or ("Organization Owner" if kind == "user" else "resmo-scanner"),
        "uniqueName": record.get("uniqueName") or record.get("principalName")
        or ("owner@simulator.invalid" if kind == "user" else fallback_id),
        "kind": kind,
    }
    if kind != "user":
        identity["applicationId"] = record.get("applicationId") or record.get("client_id") or fallback_id
    return identity


# --- HTTP ------------------------------------------------------------------------------------------------


def _encode(response: SimResponse) -> bytes:
    """The wire bytes of a response body (JSON compact, like the service)."""
    if isinstance(response.body, bytes | bytearray):
        return bytes(response.body)
    if response.body is None and response.status in (204, 304):
        return b""
    # orjson: a big page (2.5 MB of repositories) holds the interpreter for a fraction of the standard encoder's
    # time, so the answers other threads are preparing are not held up behind it.
    return orjson.dumps(
        response.body, option=orjson.OPT_NON_STR_KEYS,
        default=lambda o: sorted(o) if isinstance(o, set | frozenset) else _unencodable(o),
    )


def _unencodable(value: object) -> None:
    raise TypeError(f"{type(value).__name__} is not JSON-able")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], app: SimulatorApp) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember open connections so that closing the simulator also ends idle keep-alive ones."""
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget a connection once its handler is done."""
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection (their handler threads then finish)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class RequestHeaders(dict[str, str]):
    """Request headers by case-insensitive name (kept lower-case; the first of repeated headers wins).

    A plain dict underneath: looking headers up is a large share of the simulator's work per request.
    """

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name.lower() if isinstance(name, str) else name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """The header's value, or `default` when it was not sent."""
        return super().get(name.lower(), default)


MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header value, formatted once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True))
    return _date_cache[1]


def _wait_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Answers go out in one write, but a dropped connection or an error page may not; without this a
    # write could wait for the client's delayed ACK (~40 ms per request on keep-alive connections).
    disable_nagle_algorithm = True
    server: _Server
    headers: Any

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and benchmarks send thousands of requests."""

    def parse_request(self) -> bool:
        """Read the request line and headers, cheaply for plain HTTP/1.x requests.

        The standard library parses headers with the email package, which was the largest share of the
        simulator's work per request; anything unusual still goes through the standard parser.
        """
        words = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n").split()
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0") or words[1].startswith("//"):
            return super().parse_request()
        self.command, self.path, self.request_version = words
        self.requestline = " ".join(words)
        headers = RequestHeaders()
        for _ in range(MAX_HEADERS + 1):
            line = self.rfile.readline(MAX_HEADER_LINE + 1)
            if len(line) > MAX_HEADER_LINE:
                self.send_error(431, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = str(line, "iso-8859-1").partition(":")
            if not colon or not name.strip() or name[0] in " \t":
                self.send_error(400, "Bad header line")
                return False
            dict.setdefault(headers, name.strip().lower(), value.strip())
        else:
            self.send_error(431, "Too many headers")
            return False
        self.headers = headers
        # Like the standard library: HTTP/1.0 connections always close.
        self.close_connection = self.request_version == "HTTP/1.0" or headers.get("Connection", "").lower() == "close"
        if headers.get("Expect", "").lower() == "100-continue" and self.request_version == "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def _serve(self) -> None:
        app = self.server.app
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        arrived = time.monotonic()
        outcome = app.handle(self.command, self.path, self.headers, body)
        if outcome.response is DROPPED:
            _wait_until(arrived + outcome.answer_after_s)
            app.accounting.record(outcome.route_key, 0, len(body), 0)  # only service routes drop
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        response = outcome.response
        assert isinstance(response, SimResponse)
        try:
            data = _encode(response)
        except (TypeError, ValueError):
            logger.exception("simulated endpoint %s returned a body that is not JSON-able", outcome.route_key)
            response = fault_response(SERVER_ERROR)
            data = _encode(response)
        headers = {**app.service_headers(outcome.identity, self.headers), **response.headers}
        phrase = self.responses[response.status][0] if response.status in self.responses else ""
        lines = [f"{self.protocol_version} {response.status} {phrase}", f"Server: {self.version_string()}",
                 f"Date: {_http_date()}", f"Content-Type: {response.content_type}", f"Content-Length: {len(data)}"]
        for name, value in headers.items():
            lines.extend(f"{name}: {line}" for line in str(value).split("\n"))
        # Status line, headers and body in one write: one system call and one packet for small answers.
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "strict")
        # The latency is the service's answer time: the work done so far is part of it, not added to it.
        _wait_until(arrived + outcome.answer_after_s)
        # Counted before the answer leaves: a client reading the stats right after its answer sees it counted.
        if outcome.counted:
            app.accounting.record(outcome.route_key, response.status, len(body), len(data))
        self.wfile.write(head if self.command == "HEAD" else head + data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve


# --- the public handle -----------------------------------------------------------------------------------


class Simulator:
    """A running simulated Azure DevOps organization (see docs/internals.md)."""

    def __init__(self, app: SimulatorApp, server: _Server, entra: EntraServer, pat: str) -> None:
        self._app = app
        self._server = server
        self._entra = entra
        host, port = server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self.organization = str(app.state.organization)
        self.pat = pat
        self.admin_url = f"{self.base_url}/{ADMIN_PREFIX}"
        self.entra: EntraInfo = entra.info(identity_endpoint=f"{self.base_url}/msi/token")
        self.state = app.state

    def issue_pat(self, scopes: Sequence[str] = ("vso.code",), all_organizations: bool = False) -> str:
        """A new PAT limited to `scopes` (org-scoped unless `all_organizations`)."""
        return self._app.pats.issue(scopes, all_organizations)

    def stats(self) -> dict[str, Any]:
        """Requests per route, throttled requests and injected faults since start or the last reset."""
        return self._app.accounting.snapshot()

    def reset_stats(self) -> None:
        """Start counting from zero."""
        self._app.accounting.reset()

    def approve_device_code(self, user_code: str) -> bool:
        """Approve a pending device-code sign-in (when auto-approval is off)."""
        return self._entra.approve_device_code(user_code)

    def expire_tokens(self) -> None:
        """Expire every Entra access token issued so far."""
        self._entra.tokens.expire_all()

    def __repr__(self) -> str:
        return f"Simulator(base_url={self.base_url!r}, organization={self.organization!r})"


def _default_routes() -> list[Route]:
    from resmo_pipeline.simulator.routes import ROUTES

    return list(ROUTES)


def _default_admin_routes() -> Mapping[tuple[str, str], Handler]:
    try:
        from resmo_pipeline.simulator.admin import ADMIN_ROUTES
    except ImportError:
        return {}
    return ADMIN_ROUTES


def _build_state(preset: str, organization: str, seed: int) -> Any:
    from resmo_pipeline.simulator.data import build_state

    return build_state(preset, organization, seed)


@contextlib.contextmanager
def run_simulator(
    preset: str = "demo",
    organization: str = "contoso",
    pat: str | None = None,
    seed: int = 7,
    host: str = "127.0.0.1",
    port: int = 0,
    latency_ms: float = 0,
    fault_rate: float = 0.0,
    rate_limit: bool = False,
    rate_limit_config: RateLimitConfig | Mapping[str, Any] | None = None,
    *,
    fault_kinds: Sequence[str] | None = None,
    slow_s: float = 1.0,
    auto_approve_device_codes: bool = True,
    token_lifetime_s: int = 3600,
    routes: Sequence[Route] | None = None,
    extra_routes: Sequence[Route] = (),
    state: Any = None,
    switches: switches_module.Switches | Mapping[str, Any] | None = None,
) -> Iterator[Simulator]:
    """Start the simulated service (and its Entra ID) in background threads; stop them on exit.

    `fault_kinds` limits injected faults to some of faults.FAULT_KINDS; `routes`/`state` replace the
    generated organization (tests of the protocol layer), `extra_routes` add endpoints to it. `switches`
    (simulator.switches.Switches or a dict of its fields) switches services off per project, hides projects,
    removes the Entra backing, makes internal endpoints gone or changed, or routes answer HTML or 404.
    """
    if state is None:
        state = _build_state(preset, organization, seed)
    if switches is not None:
        state.switches = switches_module.Switches.from_value(switches)
    served = list(_default_routes() if routes is None else routes) + list(extra_routes)
    sp = _identity(getattr(state, "entra_sp", None), "servicePrincipal", state)
    tenant_id = str(getattr(state, "tenant_id", None) or uuid.uuid5(uuid.NAMESPACE_URL, f"tenant/{seed}"))
    entra = EntraServer(
        tenant_id, sp["applicationId"], host=host, token_lifetime_s=token_lifetime_s,
        auto_approve_device_codes=auto_approve_device_codes,
    )
    pats = protocol.PatStore()
    full_pat = pats.add(pat, protocol.Pat(frozenset({protocol.FULL_SCOPE}), True)) if pat else pats.issue(
        [protocol.FULL_SCOPE], all_organizations=True,
    )
    app = SimulatorApp(
        state, served, _default_admin_routes(), pats, entra, latency_ms=latency_ms,
        faults=FaultInjector(fault_rate, seed, fault_kinds, slow_s),
        rate_limiter=RateLimiter(RateLimitConfig.from_value(rate_limit_config)) if rate_limit else None,
    )
    server = _Server((host, port), app)
    simulator = Simulator(app, server, entra, full_pat)
    app.add_discovery(discovery_routes(served, simulator.base_url, simulator.organization, HOSTS))
    entra.start()
    # A short poll interval makes shutdown quick; serving itself does not poll.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="azure-devops-sim", daemon=True,
    )
    thread.start()
    try:
        yield simulator
    finally:
        server.shutdown()
        server.server_close()
        server.close_connections()
        thread.join(timeout=5)
        entra.close()


def minimal_state(organization: str = "contoso", org_id: str | None = None) -> SimpleNamespace:
    """A bare organization (name and id only) for serving hand-made routes without generated data."""
    return SimpleNamespace(
        organization=organization, org_id=org_id or str(uuid.uuid5(uuid.NAMESPACE_URL, organization)),
    )
