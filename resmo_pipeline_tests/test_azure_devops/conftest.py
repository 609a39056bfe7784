"""A scripted local HTTP server for the client's edge cases the simulator does not produce on demand.

Each test registers answers per path; the server records every request it saw and how many were in flight.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    call: int  # 1 for the first request to this path, 2 for the next, ...


@dataclass
class Reply:
    """What to answer: a JSON-able or raw body, status, headers (repeatable), or drop the connection."""

    body: Any = None
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    drop: bool = False
    sleep_s: float = 0.0


Script = Callable[[Seen], Reply]


class ScriptedServer:
    """A ThreadingHTTPServer on 127.0.0.1:0 answering from per-path scripts."""

    def __init__(self) -> None:
        self.scripts: dict[str, Script] = {}
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._calls: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw_body = self.rfile.read(length) if length else b""
                with server._lock:
                    server._calls[parts.path] = call = server._calls.get(parts.path, 0) + 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                            dict(self.headers.items()), json.loads(raw_body) if raw_body else None, call)
                try:
                    with server._lock:
                        server.seen.append(seen)
                    script = server.scripts.get(parts.path)
                    reply = script(seen) if script else Reply({"message": "no script"}, status=404)
                    if reply.sleep_s:
                        time.sleep(reply.sleep_s)
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        """Forget scripts, requests and counters (between tests)."""
        with self._lock:
            self.scripts.clear()
            self.seen.clear()
            self._calls.clear()
            self.in_flight = self.max_in_flight = 0

    def on(self, path: str, script: Script | Reply) -> None:
        """Answer requests to `path` (full path incl. host and organization) with a script or a fixed reply."""
        self.scripts[path] = script if callable(script) else (lambda seen, reply=script: reply)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def server(scripted_server: ScriptedServer) -> ScriptedServer:
    """The module's scripted server, emptied for this test."""
    scripted_server.reset()
    return scripted_server
