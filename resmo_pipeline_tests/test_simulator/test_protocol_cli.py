"""`resmo-pipeline simulator`: parses its options, serves, prints working credentials, stops cleanly."""

from __future__ import annotations

import io
import re
import threading
import time
from contextlib import redirect_stdout

import requests

from resmo_pipeline.cli import build_parser
from resmo_pipeline.simulator.commands import serve


def test_simulator_command_serves_and_prints_what_it_accepts() -> None:
    args = build_parser().parse_args(
        ["simulator", "--preset", "demo", "--organization", "fabrikam", "--pat", "my-test-pat", "--seed", "3",
         "--latency-ms", "1", "--rate-limit", "on"]
    )
    assert args.handler is serve
    stop = threading.Event()
    output = io.StringIO()
    result: list[int] = []

    def run() -> None:
        with redirect_stdout(output):
            result.append(serve(args, stop))

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while "Press Ctrl-C" not in output.getvalue():
            assert thread.is_alive() and time.monotonic() < deadline, output.getvalue()
            time.sleep(0.05)
        text = output.getvalue()
        base_url = re.search(r"serving at (http://127\.0\.0\.1:\d+)", text).group(1)  # type: ignore[union-attr]
        for expected in ("fabrikam", "my-test-pat", "authority", "client secret", "CA file", "IDENTITY_ENDPOINT"):
            assert expected in text
        ok = requests.get(f"{base_url}/dev.azure.com/fabrikam/_apis/projects?api-version=7.1", auth=("", "my-test-pat"))
        assert ok.status_code == 200
        assert ok.json()["count"] > 0
        assert "X-RateLimit-Limit" not in ok.headers  # rate limiting is on, but one request is far from the limit
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result == [0]
