"""Real services for the production tests, started by the project's own scripts (scripts/services/).

`postgres_server`: one PostgreSQL for the session (installed with apt-get by the script when missing), on a free
loopback port, with a login role whose password only the tests know. `instance_db`: a fresh database on it per
test, as a password-less URL for RESMO_INSTANCE_DB. `redis_server`: one Redis for the session, for Celery.
Each is stopped (and its folder removed) at the end of the session, also when tests fail. A script that cannot
install or start its server fails the tests that need it with the script's output: nothing is skipped.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts" / "services"
# The server runs as the postgres user, which cannot enter root's home or pytest's 0700 temporary folders.
SERVICE_ROOT = Path("/var/tmp")
ROLE = "resmo_test"
START_TIMEOUT_S = 600  # a first start may install the Debian package


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_script(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run scripts/services/NAME with ARGS; fails the test with the script's output when it fails."""
    import os

    completed = subprocess.run(
        ["bash", str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=START_TIMEOUT_S,
        env={**os.environ, **(env or {})},
    )
    if completed.returncode != 0:
        pytest.fail(f"{name} {' '.join(args)} failed ({completed.returncode}):\n{completed.stdout}\n"
                    f"{completed.stderr}", pytrace=False)
    return completed.stdout


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL: a login role (with CREATEDB) and its password."""

    port: int
    role: str
    password: str
    datadir: Path

    def url(self, db: str) -> str:
        """The password-less URL of database ``db`` (what RESMO_INSTANCE_DB holds)."""
        return f"postgresql://{self.role}@127.0.0.1:{self.port}/{db}"

    def execute(self, sql: str, db: str = ROLE) -> list[tuple]:
        """Run one statement as the role (outside a transaction, so CREATE DATABASE works); its rows."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.role, password=self.password,
                                      dbname=db)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()


@dataclass(frozen=True)
class RedisServer:
    """A running Redis."""

    port: int
    datadir: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> PostgresServer:
    """PostgreSQL on a free loopback port for the session, stopped (and its data removed) at the end."""
    datadir = SERVICE_ROOT / f"resmo-test-pg-{uuid.uuid4().hex[:12]}"
    port = free_port()
    server = PostgresServer(port=port, role=ROLE, password=secrets.token_urlsafe(18), datadir=datadir)

    def stop() -> None:
        subprocess.run(["bash", str(SCRIPTS / "postgres.sh"), "stop", str(port), str(datadir)],
                       capture_output=True, timeout=120)
        shutil.rmtree(datadir, ignore_errors=True)

    request.addfinalizer(stop)  # registered first: a start that fails half-way is cleaned up too
    run_script("postgres.sh", "start", str(port), str(datadir),
               env={"RESMO_PG_ROLE": ROLE, "RESMO_PG_DB": ROLE, "RESMO_PG_PASSWORD": server.password})
    return server


@pytest.fixture
def instance_db(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for one test's Dagster instance; its password-less URL."""
    name = f"dagster_{uuid.uuid4().hex[:12]}"
    postgres_server.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url(name)
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_server(request: pytest.FixtureRequest) -> RedisServer:
    """Redis on a free loopback port for the session, stopped at the end."""
    datadir = Path(tempfile.mkdtemp(prefix="resmo-test-redis-", dir=SERVICE_ROOT))
    port = free_port()

    def stop() -> None:
        subprocess.run(["bash", str(SCRIPTS / "redis.sh"), "stop", str(port), str(datadir)],
                       capture_output=True, timeout=60)
        shutil.rmtree(datadir, ignore_errors=True)

    request.addfinalizer(stop)
    run_script("redis.sh", "start", str(port), str(datadir))
    return RedisServer(port=port, datadir=datadir)
