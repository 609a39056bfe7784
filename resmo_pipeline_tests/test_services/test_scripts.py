"""The service scripts themselves: status follows start and stop; bad arguments are refused with the fix."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from .conftest import SCRIPTS, PostgresServer, RedisServer


def script(name: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_postgres_runs_on_loopback_with_the_role(postgres_server: PostgresServer) -> None:
    status = script("postgres.sh", "status", str(postgres_server.port), str(postgres_server.datadir))
    assert status.returncode == 0, status.stderr
    assert postgres_server.execute("SELECT current_user, current_setting('listen_addresses')") == [
        ("resmo_test", "127.0.0.1")]


def test_redis_answers_ping(redis_server: RedisServer) -> None:
    with socket.create_connection(("127.0.0.1", redis_server.port), timeout=5) as conn:
        conn.sendall(b"PING\r\n")
        assert conn.recv(16) == b"+PONG\r\n"
    assert script("redis.sh", "status", str(redis_server.port), str(redis_server.datadir)).returncode == 0


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    assert script("postgres.sh", "start", "5432").returncode == 2
    assert "PORT must be a number" in script("redis.sh", "start", "x", str(tmp_path)).stderr
    under_root = script("postgres.sh", "start", "5999", "/root/resmo-pg", RESMO_PG_PASSWORD="x")
    assert under_root.returncode == 2 and "root's home" in under_root.stderr
    stopped = script("redis.sh", "status", "5999", str(tmp_path))
    assert stopped.returncode == 3 and "not running" in stopped.stdout
