"""The HTTP exchange of the Azure DevOps data path, on urllib3's connection pools directly.

A sync sends tens of thousands of small requests, and requests' per-request machinery (preparing the request,
merging environment settings, hooks, cookies, building the response) cost the client more CPU than everything
else it does. So the data path keeps what requests gave it and drops the rest: proxies (honouring `no_proxy`)
and the CA bundle (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, else certifi's) read from the environment once, one
keep-alive pool per host sized to the client's concurrency, a timeout on every request, gzip, no redirects
followed and no retries of its own (the client retries). MSAL's token requests still go through requests.
"""

from __future__ import annotations

import os
import re
import ssl
import threading
from dataclasses import dataclass
from typing import Any

import certifi
import requests.utils
import urllib3
from urllib3.connectionpool import HTTPConnectionPool, connection_from_url
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
        self._lock = threading.Lock()
        # origin ("https://dev.azure.com") -> its direct pool, or the ProxyManager that reaches it
        self._routes: dict[str, HTTPConnectionPool | urllib3.ProxyManager] = {}
        self._proxies: dict[str, urllib3.ProxyManager] = {}

    def _route(self, origin: str) -> HTTPConnectionPool | urllib3.ProxyManager:
        with self._lock:
            route = self._routes.get(origin)
            if route is None:
                proxy = requests.utils.select_proxy(origin, requests.utils.get_environ_proxies(origin))
                route = self._routes[origin] = self._proxy_manager(proxy) if proxy else self._pool(origin)
            return route

    def _pool(self, origin: str) -> HTTPConnectionPool:
        tls = self._tls if origin.startswith("https:") else {}
        return connection_from_url(origin, **self._options, **tls)

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
            if isinstance(route, HTTPConnectionPool):
                target = f"/{path}?{query}" if query else f"/{path}"
                response = route.urlopen(method, target, body=body, headers=headers, retries=_NO_RETRIES,
                                         redirect=False, assert_same_host=False, preload_content=True)
            else:
                response = route.urlopen(method, full, body=body, headers=headers, retries=_NO_RETRIES,
                                         redirect=False, preload_content=True)
        except SSLError as exc:
            if _is_verification_failure(exc):
                raise TlsVerificationError(redact_text(f"{type(exc).__name__}: {exc}")) from None
            raise NoAnswerError(redact_text(f"{type(exc).__name__}: {exc}")) from None
        except LocationValueError:
            raise  # a malformed URL is a bug to see, not a connection failure to retry
        except (HTTPError, OSError) as exc:
            raise NoAnswerError(redact_text(f"{type(exc).__name__}: {exc}")) from None
        return Answer(response.status, response.reason or "", response.headers, response.data, full)

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            for route in self._routes.values():
                if isinstance(route, HTTPConnectionPool):
                    route.close()
            for manager in self._proxies.values():
                manager.clear()
            self._routes.clear()
            self._proxies.clear()
