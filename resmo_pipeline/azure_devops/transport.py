"""The HTTP exchange of the Azure DevOps data path: keep-alive connections of the standard library's http.client.

A sync sends tens of thousands of small requests, and on two cores the client's CPU per request sets the pace:
requests' per-request machinery cost more than everything else the client does, and urllib3's pool and response
wrapper still about 0.3 ms of the 1.2 ms left per request. So a host reached directly gets a small pool of
`http.client` connections here (written by hand because that per-request cost is the point: a LIFO list of idle
connections, one the server closed noticed before reuse); a host behind a proxy goes through
urllib3's ProxyManager (CONNECT tunnels, proxy credentials), where getting proxies right matters more than speed.
Both read proxies (honouring `no_proxy`) and the CA bundle (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, else
certifi's) from the environment once, time out every request, decode gzip and deflate, follow no redirects and
retry nothing themselves (the client retries). MSAL's token requests still go through requests.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import select
import ssl
import threading
import zlib
from dataclasses import dataclass
from typing import Any

import certifi
import requests.utils
import urllib3
from urllib3.exceptions import HTTPError, LocationValueError, SSLError
from urllib3.util.retry import Retry

from resmo_pipeline.azure_devops.errors import redact_url

# The client retries; urllib3 re-raises the first failure. Made once: `retries=False` builds a Retry per request.
_NO_RETRIES = Retry(total=False, redirect=False)
# Anything URL-shaped in an exception text: absolute URLs and request targets with a query string.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>()]+|/[^\s'\"<>()]*\?[^\s'\"<>()]*")


def redact_text(text: str) -> str:
    """The text with every URL in it redacted (no user information, no query parameters that could be secret)."""
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer: status and reason, headers (case-insensitive; `getlist` keeps repeated ones apart), the
    decoded body, and the URL that was asked (with its query string)."""

    status: int
    reason: str
    headers: urllib3.HTTPHeaderDict
    content: bytes
    url: str
    # Requests that went out on a kept-alive connection the server had just closed and were sent again at once.
    resent: int = 0


class NoAnswerError(Exception):
    """No answer arrived (refused, reset, timed out, proxy unreachable): worth trying again. The text is redacted."""


class TlsVerificationError(Exception):
    """The server's TLS certificate was not trusted: trying again will not help. The text is redacted."""


def _is_verification_failure(error: SSLError) -> bool:
    cause = error.args[0] if error.args else None
    return isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(error)


def _ca_options() -> dict[str, Any]:
    """urllib3's certificate options for the CA bundle requests would use (a file or a directory)."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    key = "ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"
    return {"cert_reqs": "CERT_REQUIRED", key: bundle}


def _tls_context(options: dict[str, Any]) -> ssl.SSLContext:
    """A verifying TLS context trusting the CA bundle of `_ca_options` (the one urllib3 is given)."""
    if "ca_cert_dir" in options:
        return ssl.create_default_context(capath=options["ca_cert_dir"])
    return ssl.create_default_context(cafile=options["ca_certs"])


def _decoded(data: bytes, encoding: str | None) -> bytes:
    if not encoding or not data:
        return data
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        try:
            return zlib.decompress(data)
        except zlib.error:  # some servers send raw deflate, without the zlib header
            return zlib.decompress(data, -zlib.MAX_WBITS)
    return data


# What a kept-alive connection closed by the server raises when used: on sending, or on reading the status line.
_CLOSED_BEFORE_ANSWER = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_dropped(connection: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection the server closed: readable (EOF) before anything was asked."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class _DirectPool:
    """Idle keep-alive http.client connections to one origin; at most `maxsize` are kept."""

    def __init__(self, origin: str, maxsize: int, timeout_s: float, tls: ssl.SSLContext) -> None:
        parsed = urllib3.util.parse_url(origin)
        self._host = parsed.host or ""
        self._port = parsed.port
        self._tls = tls if parsed.scheme == "https" else None
        self._timeout_s = timeout_s
        self._maxsize = maxsize
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection | None:
        """The most recently used idle connection the server has not closed, or None when there is none."""
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if not _is_dropped(connection):
                    return connection
                connection.close()
        return None

    def _new_connection(self) -> http.client.HTTPConnection:
        if self._tls is not None:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout_s, context=self._tls)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout_s)

    def _release(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._maxsize:
                self._idle.append(connection)
                return
        connection.close()

    def send(
        self, method: str, target: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, str, urllib3.HTTPHeaderDict, bytes, int]:
        """One exchange and how many times it was resent. A failure closes the connection and is raised: the client
        counts and retries it.

        The one exception: a kept-alive connection the server closed between the idle check and our request
        (its idle timeout raced us) fails before any answer; a safe request is then sent again at once on a new
        connection, as browsers and Go's HTTP client do: no backoff is due (the service is fine) and reading twice
        changes nothing.
        """
        connection = self._connection()
        if connection is not None:
            try:
                return (*self._exchange(connection, method, target, body, headers), 0)
            except _CLOSED_BEFORE_ANSWER:
                if method not in _SAFE_METHODS:
                    raise
        return (*self._exchange(self._new_connection(), method, target, body, headers), 1 if connection else 0)

    def _exchange(
        self, connection: http.client.HTTPConnection, method: str, target: str, body: bytes | None,
        headers: dict[str, str],
    ) -> tuple[int, str, urllib3.HTTPHeaderDict, bytes]:
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            connection.close()
            raise
        answer_headers = urllib3.HTTPHeaderDict()
        for name, value in response.msg.items():
            answer_headers.add(name, value)
        if response.will_close:
            connection.close()
        else:
            self._release(connection)
        return response.status, response.reason or "", answer_headers, data

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _without_auth(url: str) -> str:
    parsed = urllib3.util.parse_url(url)
    return parsed._replace(auth=None).url


class Transport:
    """Sends one request and reads its whole answer; connection pools per host (or per proxy), made on first use.

    `maxsize` is the number of keep-alive connections kept per host; the client's semaphore bounds how many
    requests are in flight, so the pools never block.
    """

    def __init__(self, maxsize: int, timeout_s: float) -> None:
        self._options: dict[str, Any] = {
            "maxsize": maxsize,
            "block": False,
            "retries": _NO_RETRIES,
            "timeout": urllib3.Timeout(connect=timeout_s, read=timeout_s),
        }
        self._tls = _ca_options()
        self._tls_context = _tls_context(self._tls)
        self._maxsize = maxsize
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        # origin ("https://dev.azure.com") -> its direct pool, or the ProxyManager that reaches it
        self._routes: dict[str, _DirectPool | urllib3.ProxyManager] = {}
        self._proxies: dict[str, urllib3.ProxyManager] = {}

    def _route(self, origin: str) -> _DirectPool | urllib3.ProxyManager:
        with self._lock:
            route = self._routes.get(origin)
            if route is None:
                proxy = requests.utils.select_proxy(origin, requests.utils.get_environ_proxies(origin))
                route = self._routes[origin] = self._proxy_manager(proxy) if proxy else self._pool(origin)
            return route

    def _pool(self, origin: str) -> _DirectPool:
        return _DirectPool(origin, self._maxsize, self._timeout_s, self._tls_context)

    def _proxy_manager(self, proxy: str) -> urllib3.ProxyManager:
        manager = self._proxies.get(proxy)
        if manager is None:
            if "://" not in proxy:
                proxy = f"http://{proxy}"
            user, password = requests.utils.get_auth_from_url(proxy)
            headers = urllib3.make_headers(proxy_basic_auth=f"{user}:{password}") if user or password else None
            manager = self._proxies[proxy] = urllib3.ProxyManager(
                _without_auth(proxy), proxy_headers=headers, **self._options, **self._tls
            )
        return manager

    def send(
        self, method: str, url: str, query: str, headers: dict[str, str], body: bytes | None = None
    ) -> Answer:
        """One request to `url` + `?query`; the answer, whatever its status.

        Raises `NoAnswerError` when no answer arrived and `TlsVerificationError` when the server is not trusted.
        """
        full = f"{url}?{query}" if query else url
        scheme, _, rest = url.partition("://")
        host, _, path = rest.partition("/")
        route = self._routes.get(f"{scheme}://{host}") or self._route(f"{scheme}://{host}")
        try:
            if isinstance(route, _DirectPool):
                target = f"/{path}?{query}" if query else f"/{path}"
                status, reason, answer_headers, data, resent = route.send(method, target, body, headers)
                data = _decoded(data, answer_headers.get("Content-Encoding"))
                return Answer(status, reason, answer_headers, data, full, resent)
            response = route.urlopen(method, full, body=body, headers=headers, retries=_NO_RETRIES,
                                     redirect=False, preload_content=True)
        except ssl.SSLCertVerificationError as exc:
            raise TlsVerificationError(redact_text(f"{type(exc).__name__}: {exc}")) from None
        except SSLError as exc:
            if _is_verification_failure(exc):
                raise TlsVerificationError(redact_text(f"{type(exc).__name__}: {exc}")) from None
            raise NoAnswerError(redact_text(f"{type(exc).__name__}: {exc}")) from None
        except LocationValueError:
            raise  # a malformed URL is a bug to see, not a connection failure to retry
        except (HTTPError, OSError, http.client.HTTPException, zlib.error) as exc:
            raise NoAnswerError(redact_text(f"{type(exc).__name__}: {exc}")) from None
        return Answer(response.status, response.reason or "", response.headers, response.data, full)

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            for route in self._routes.values():
                if isinstance(route, _DirectPool):
                    route.close()
            for manager in self._proxies.values():
                manager.clear()
            self._routes.clear()
            self._proxies.clear()
