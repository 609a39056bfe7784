"""The client's HTTP path (urllib3 directly): proxies and CA bundle from the environment, compressed answers,
connection failures on the typed retry path, TLS failures not retried, and no secret in any failure text."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import logging
import select
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import MaxRetryError, NewConnectionError

from resmo_pipeline.azure_devops import (
    AzureDevOpsClient,
    AzureDevOpsError,
    Endpoint,
    NotFoundError,
    PatCredential,
    RetryBudgetExceededError,
)
from resmo_pipeline.azure_devops.transport import redact_text
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.server import minimal_state
from resmo_pipeline_tests.test_azure_devops.conftest import Reply, ScriptedServer

PAT = "pat-transport-0c7d1e2f3a4b5c6d7e8f9a0b1c2d3e4f"
ORG = "contoso"
PREFIX = f"/dev.azure.com/{ORG}/"
PROJECTS = Endpoint("dev.azure.com", "_apis/projects", "7.1")
PROXY_PASSWORD = "proxy-S3CRET-9f8e7d"


def make_client(base_url: str, **kwargs: object) -> AzureDevOpsClient:
    options = {"concurrency": 2, "timeout_s": 5, "max_retry_time_s": 5, "backoff_base_s": 0.01,
               "backoff_max_s": 0.05, **kwargs}
    return AzureDevOpsClient(ORG, PatCredential(PAT), base_url=base_url, **options)  # type: ignore[arg-type]


def failure_texts(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join((str(error), repr(error), caplog.text))


@dataclass
class ProxySeen:
    """One request as the forward proxy received it."""

    target: str
    headers: dict[str, str]  # names in lower case


@dataclass
class ForwardProxy:
    """A forward proxy stand-in: records what it is asked; answers plain HTTP requests for the target itself and
    tunnels CONNECT requests (to 127.0.0.1 only) like a real proxy."""

    url: str
    seen: list[ProxySeen] = field(default_factory=list)


@pytest.fixture(scope="module")
def forward_proxy() -> Iterator[ForwardProxy]:
    proxy = ForwardProxy("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            proxy.seen.append(ProxySeen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            payload = json.dumps({"count": 1, "value": [{"id": "via-proxy"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_CONNECT(self) -> None:
            proxy.seen.append(ProxySeen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            host, _, port = self.path.rpartition(":")
            if host != "127.0.0.1":
                self.send_error(403)
                return
            with socket.create_connection((host, int(port)), timeout=5) as upstream:
                self.send_response(200, "Connection established")
                self.end_headers()
                self._pipe(self.connection, upstream)
            self.close_connection = True

        @staticmethod
        def _pipe(client: socket.socket, upstream: socket.socket) -> None:
            while True:
                ready, _, _ = select.select([client, upstream], [], [], 5)
                if not ready:
                    return
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield proxy
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_a_proxy_from_the_environment_carries_the_requests_with_its_credentials(
    forward_proxy: ForwardProxy, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    host, port = forward_proxy.url.removeprefix("http://").split(":")
    no_proxy_environment.setenv("HTTP_PROXY", f"http://reader:{PROXY_PASSWORD}@{host}:{port}")
    forward_proxy.seen.clear()
    # The target is never contacted: the proxy answers for it.
    with make_client("http://azure-devops.invalid:8080") as client:
        assert client.list(PROJECTS) == [{"id": "via-proxy"}]
    (seen,) = forward_proxy.seen
    assert seen.target == "http://azure-devops.invalid:8080/dev.azure.com/contoso/_apis/projects?api-version=7.1"
    assert seen.headers["proxy-authorization"] == "Basic " + base64.b64encode(
        f"reader:{PROXY_PASSWORD}".encode()).decode()
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(f":{PAT}".encode()).decode()


def test_an_unreachable_proxy_is_retried_and_its_password_never_shows(
    no_proxy_environment: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    no_proxy_environment.setenv("HTTP_PROXY", f"http://reader:{PROXY_PASSWORD}@127.0.0.1:9")
    with caplog.at_level(logging.DEBUG), make_client("http://azure-devops.invalid", max_retry_time_s=0.2) as client, \
            pytest.raises(RetryBudgetExceededError) as caught:
        client.list(PROJECTS)
    assert caught.value.attempts >= 2 and "ProxyError" in str(caught.value)
    texts = failure_texts(caught.value, caplog)
    assert PROXY_PASSWORD not in texts and PAT not in texts


def test_gzip_answers_are_decoded(server: ScriptedServer) -> None:
    body = json.dumps({"count": 2, "value": [{"id": 1}, {"id": 2}]}).encode()
    server.on(PREFIX + "_apis/projects", Reply(raw=gzip.compress(body), headers=[("Content-Encoding", "gzip")]))
    with make_client(server.base_url) as client:
        assert client.list(PROJECTS) == [{"id": 1}, {"id": 2}]
        assert client.stats.bytes == len(body)
    assert "gzip" in server.seen[0].headers["Accept-Encoding"]


def test_a_read_timeout_takes_the_typed_retry_path_without_leaking_secrets(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.on(PREFIX + "_apis/projects", Reply({"count": 0, "value": []}, sleep_s=0.4))
    with caplog.at_level(logging.DEBUG), make_client(server.base_url, timeout_s=0.1, max_retry_time_s=0.15) as client, \
            pytest.raises(RetryBudgetExceededError) as caught:
        client.list(PROJECTS, params={"sig": "query-S3CRET"})
    error = caught.value
    assert type(error) is RetryBudgetExceededError and error.status is None
    assert "TimeoutError: timed out" in str(error) and error.attempts == len(server.seen) >= 2
    assert client.stats.errors == error.attempts
    texts = failure_texts(error, caplog)
    assert "query-S3CRET" not in texts and PAT not in texts
    assert "/dev.azure.com/contoso/_apis/projects" in str(error)


def test_urllib3_failure_texts_that_name_the_url_are_redacted() -> None:
    pool = HTTPConnectionPool("127.0.0.1", 9)
    url = "/dev.azure.com/contoso/_apis/projects?api-version=7.1&sig=query-S3CRET&code=C0DE"
    reason = NewConnectionError(pool, f"connect to http://reader:{PROXY_PASSWORD}@127.0.0.1:9 refused")
    text = str(MaxRetryError(pool, url, reason))
    assert "query-S3CRET" in text and PROXY_PASSWORD in text  # urllib3's own text names both
    redacted = redact_text(text)
    assert "query-S3CRET" not in redacted and "C0DE" not in redacted and PROXY_PASSWORD not in redacted
    assert "/dev.azure.com/contoso/_apis/projects?api-version=7.1" in redacted
    assert "http://127.0.0.1:9" in redacted


@pytest.fixture(scope="module")
def tls_simulator() -> Iterator[Simulator]:
    """A simulator whose Entra ID stand-in serves HTTPS with a certificate from the simulator's own CA."""
    with run_simulator(routes=[], state=minimal_state(ORG)) as sim:
        yield sim


def test_an_untrusted_certificate_fails_at_once_and_a_ca_bundle_from_the_environment_is_trusted(
    tls_simulator: Simulator, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    https_base = tls_simulator.entra.authority.rsplit("/", 1)[0]
    no_proxy_environment.delenv("REQUESTS_CA_BUNDLE", raising=False)
    no_proxy_environment.delenv("CURL_CA_BUNDLE", raising=False)
    with make_client(https_base) as client, pytest.raises(AzureDevOpsError) as caught:
        client.get(PROJECTS)
    assert type(caught.value) is AzureDevOpsError and "certificate is not trusted" in str(caught.value)
    assert client.stats.requests == 1 and client.stats.retries == 0
    no_proxy_environment.setenv("REQUESTS_CA_BUNDLE", str(tls_simulator.entra.ca_file))
    # Trusted now: the Entra stand-in answers (it has no Azure DevOps routes, hence 404).
    with make_client(https_base) as client, pytest.raises(NotFoundError):
        client.get(PROJECTS)


def test_https_goes_through_a_proxy_tunnel_with_the_ca_bundle_from_the_environment(
    tls_simulator: Simulator, forward_proxy: ForwardProxy, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    https_base = tls_simulator.entra.authority.rsplit("/", 1)[0]
    host, port = forward_proxy.url.removeprefix("http://").split(":")
    no_proxy_environment.setenv("HTTPS_PROXY", f"http://reader:{PROXY_PASSWORD}@{host}:{port}")
    no_proxy_environment.setenv("REQUESTS_CA_BUNDLE", str(tls_simulator.entra.ca_file))
    forward_proxy.seen.clear()
    with make_client(https_base) as client, pytest.raises(NotFoundError):
        client.get(PROJECTS)
    (seen,) = forward_proxy.seen
    assert seen.target == https_base.removeprefix("https://")
    assert seen.headers["proxy-authorization"] == "Basic " + base64.b64encode(
        f"reader:{PROXY_PASSWORD}".encode()).decode()
    # The PAT travels inside the tunnel only.
    assert "authorization" not in seen.headers


def _answer(conn: socket.socket) -> bool:
    """Read one request and answer it with one project, keeping the connection open; False when the client has
    closed the connection instead of asking."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        request += chunk
    body = json.dumps({"count": 1, "value": [{"id": "p"}]}).encode()
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\n\r\n" + body)
    return True


@contextlib.contextmanager
def raw_http_server(handle: Callable[[socket.socket, int], None]) -> Iterator[tuple[str, list[int]]]:
    """A bare socket server calling `handle(connection, its number from 1)` for each connection, one at a time;
    yields its base URL and the numbers of the connections accepted so far."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[int] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                connections.append(len(connections) + 1)
                handle(conn, connections[-1])

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections
    finally:
        listener.close()


def test_a_kept_alive_connection_the_server_closed_is_not_reused() -> None:
    """The server answers each connection once and then closes it without saying so (as idle timeouts do)."""
    closed = threading.Event()

    def answer_once(conn: socket.socket, _: int) -> None:
        _answer(conn)
        conn.shutdown(socket.SHUT_RDWR)
        closed.set()

    with raw_http_server(answer_once) as (base_url, connections), make_client(base_url, concurrency=1) as client:
        first = client.list(PROJECTS)
        assert closed.wait(5)
        second = client.list(PROJECTS)
        stats = client.stats.as_dict()
    assert first == second == [{"id": "p"}]
    assert len(connections) == 2
    assert stats["requests"] == 2 and stats["errors"] == 0 and stats["retries"] == 0


def test_a_request_racing_the_servers_idle_close_is_sent_again_on_a_new_connection() -> None:
    """The server's idle timeout closes the connection just as the next request arrives on it, leaving it
    unanswered: a read may safely go again, so it is sent at once on a new connection (no backoff) and counted as
    a failed request and a retry."""

    def close_on_second_request(conn: socket.socket, number: int) -> None:
        _answer(conn)
        if number == 1:
            conn.recv(65536)  # the next request arrives and is dropped unanswered
            conn.shutdown(socket.SHUT_RDWR)
            return
        with contextlib.suppress(OSError):
            while _answer(conn):
                pass

    # No retry budget: the client itself could not try again, so the data can only arrive by the transport's resend.
    with (raw_http_server(close_on_second_request) as (base_url, connections),
          make_client(base_url, concurrency=1, max_retry_time_s=0) as client):
        first = client.list(PROJECTS)
        second = client.list(PROJECTS)
        third = client.list(PROJECTS)
        stats = client.stats.as_dict()
    assert first == second == third == [{"id": "p"}]
    assert len(connections) == 2
    assert stats["requests"] == 4 and stats["retries"] == 1 and stats["errors"] == 1
    assert stats["throttled_s"] == 0
