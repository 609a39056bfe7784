"""Where the Dagster instance keeps runs, event logs, schedules, sensor cursors and dynamic partitions.

By default that is SQLite under ``RESMO_HOME/dagster/storage``: nothing to set up, one machine. For a webserver,
daemon and runs on several machines (or just storage that a database team backs up), set ``RESMO_INSTANCE_DB``
to a PostgreSQL URL *without* password, and the password in ``RESMO_INSTANCE_DB_PASSWORD``::

    export RESMO_INSTANCE_DB=postgresql://resmo@db.example:5432/dagster?sslmode=require
    export RESMO_INSTANCE_DB_PASSWORD=...

The instance's dagster.yaml then names the variable (``password: {env: RESMO_INSTANCE_DB_PASSWORD}``), so the
password is read by each Dagster process when it starts and is never written to disk. Every process that uses
the instance (``serve``, ``sync``, ``integrations add``, run workers) needs both variables.

Only the standard library is imported here: the CLI validates the setting before it loads Dagster.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

INSTANCE_DB_ENV = "RESMO_INSTANCE_DB"
INSTANCE_DB_PASSWORD_ENV = "RESMO_INSTANCE_DB_PASSWORD"
POSTGRES_SCHEMES = ("postgresql", "postgres")
DEFAULT_PORT = 5432
# SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which dagster-postgres does not install; it depends on
# psycopg2 (its event watcher uses psycopg2 directly), so the driver is named.
SQLALCHEMY_SCHEME = "postgresql+psycopg2"


class InstanceStorageError(ValueError):
    """``RESMO_INSTANCE_DB`` (or its password variable) is unusable; the message says how to fix it."""


def postgres_db_config(url: str) -> dict[str, Any]:
    """Dagster's ``postgres_db`` block for ``url``, with the password taken from ``RESMO_INSTANCE_DB_PASSWORD``.

    The URL itself is never echoed in errors: a mistyped one may still hold a secret.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in POSTGRES_SCHEMES:
        raise InstanceStorageError(
            f"{INSTANCE_DB_ENV} must be a PostgreSQL URL such as postgresql://USER@HOST:5432/DBNAME "
            f"(scheme {parts.scheme or 'missing'!r} is not supported); unset it to keep SQLite under RESMO_HOME"
        )
    if parts.password is not None:
        raise InstanceStorageError(
            f"{INSTANCE_DB_ENV} contains a password: remove it from the URL (postgresql://USER@HOST:PORT/DBNAME) "
            f"and put the password in the environment variable {INSTANCE_DB_PASSWORD_ENV}, so that it is never "
            "written into the instance's dagster.yaml"
        )
    missing = [name for name, value in (("user name", parts.username), ("host", parts.hostname),
                                        ("database name", parts.path.lstrip("/"))) if not value]
    if missing:
        raise InstanceStorageError(
            f"{INSTANCE_DB_ENV} lacks the {', '.join(missing)}: write it as postgresql://USER@HOST:5432/DBNAME"
        )
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise InstanceStorageError(f"{INSTANCE_DB_ENV} has an invalid port: use a number, e.g. HOST:5432") from None
    config: dict[str, Any] = {
        "username": unquote(parts.username or ""),
        "password": {"env": INSTANCE_DB_PASSWORD_ENV},
        "hostname": parts.hostname,
        "db_name": unquote(parts.path.lstrip("/")),
        "port": port,
        "scheme": SQLALCHEMY_SCHEME,
    }
    params = dict(parse_qsl(parts.query))
    if params:
        config["params"] = params  # e.g. sslmode=require, passed on to libpq
    return config


def storage_config(storage_dir: Path) -> dict[str, Any]:
    """The instance's ``storage`` block: PostgreSQL when ``RESMO_INSTANCE_DB`` is set, else SQLite in ``storage_dir``.

    Raises InstanceStorageError for an unusable URL, or when the password variable is not set at all (set it
    empty for password-less authentication such as ``~/.pgpass`` or ``trust``).
    """
    url = os.environ.get(INSTANCE_DB_ENV, "").strip()
    if not url:
        return {"sqlite": {"base_dir": str(storage_dir.resolve())}}
    config = postgres_db_config(url)
    if INSTANCE_DB_PASSWORD_ENV not in os.environ:
        raise InstanceStorageError(
            f"{INSTANCE_DB_ENV} is set but {INSTANCE_DB_PASSWORD_ENV} is not: export the database password in "
            f"{INSTANCE_DB_PASSWORD_ENV} (empty when PostgreSQL needs none, e.g. with ~/.pgpass)"
        )
    return {"postgres": {"postgres_db": config}}


def check_connection(timeout_s: int = 10) -> None:
    """Connect once to the PostgreSQL instance database (when one is set); InstanceStorageError says why not.

    Dagster itself retries a refused connection for seconds and then reports only "too many retries", so
    ``serve`` asks first and names the cause (wrong password, unknown database, server down).
    """
    url = os.environ.get(INSTANCE_DB_ENV, "").strip()
    if not url:
        return
    import psycopg2  # installed with dagster-postgres

    db = postgres_db_config(url)
    try:
        psycopg2.connect(host=db["hostname"], port=db["port"], user=db["username"], dbname=db["db_name"],
                         password=os.environ.get(INSTANCE_DB_PASSWORD_ENV) or None, connect_timeout=timeout_s,
                         **db.get("params", {})).close()
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise InstanceStorageError(
            f"cannot connect to the instance database {describe()}: {reason} (check {INSTANCE_DB_ENV} and "
            f"{INSTANCE_DB_PASSWORD_ENV})"
        ) from None


def describe() -> str:
    """Where the instance storage is, for people (never with a password)."""
    url = os.environ.get(INSTANCE_DB_ENV, "").strip()
    if not url:
        return "SQLite under RESMO_HOME/dagster/storage"
    db = postgres_db_config(url)
    return f"PostgreSQL {db['username']}@{db['hostname']}:{db['port']}/{db['db_name']}"
