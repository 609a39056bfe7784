"""Real local receivers for notification tests: an HTTP server (Slack, Teams, webhook) and an SMTP server."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ReceivedRequest:
    """One request the HTTP receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """Records every POST; answers `status` (set it to 503 to play a channel that is down)."""

    url: str = ""
    status: int = 200
    requests: list[ReceivedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[Any]:
        """Parsed bodies of the requests accepted with a 2xx answer."""
        with self.lock:
            return [r.json() for r in self.requests]


def start_http_receiver() -> tuple[HttpReceiver, ThreadingHTTPServer]:
    """Start a receiver on 127.0.0.1 with a free port; only 2xx-answered requests are recorded."""
    receiver = HttpReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.status
            if status < 300:
                with receiver.lock:
                    receiver.requests.append(ReceivedRequest(self.path, dict(self.headers.items()), body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    return receiver, server
