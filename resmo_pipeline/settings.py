"""Where resmo_pipeline keeps its state.

Everything a deployment owns lives under one folder, ``RESMO_HOME`` (default: ``.resmo`` in the working
directory): the DuckDB warehouse, the integrations registry, Dagster's instance storage and MSAL token caches.
Deleting that folder resets the installation; backing it up backs up everything.
"""

from __future__ import annotations

import os
from pathlib import Path

RESMO_HOME_ENV = "RESMO_HOME"
DEFAULT_HOME = ".resmo"


def resmo_home() -> Path:
    """The state folder, created on first use (absolute, so child processes agree on it)."""
    home = Path(os.environ.get(RESMO_HOME_ENV) or DEFAULT_HOME).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def warehouse_path() -> Path:
    """The DuckDB warehouse file that syncs write to."""
    return resmo_home() / "warehouse.duckdb"


def registry_path() -> Path:
    """The integrations registry: which organizations are connected and how (never any secret)."""
    return resmo_home() / "integrations.json"


def token_cache_dir() -> Path:
    """MSAL token caches (one file per organization, mode 0600)."""
    path = resmo_home() / "tokens"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def dagster_home() -> Path:
    """Dagster's instance folder (runs, event log, schedules, sensor cursors, dynamic partitions)."""
    path = resmo_home() / "dagster"
    path.mkdir(parents=True, exist_ok=True)
    return path
