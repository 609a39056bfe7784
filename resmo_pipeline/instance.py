"""The persistent Dagster instance under ``RESMO_HOME``.

Commands that run or register things (``sync``, ``integrations add``, ``demo``, ``serve``) use this instance, so
their runs, sensor cursors and the ``organizations`` partitions are what the Dagster UI shows when started with
the same ``DAGSTER_HOME``. Its storage is SQLite under ``RESMO_HOME/dagster/storage`` unless ``RESMO_INSTANCE_DB``
names a PostgreSQL database (``resmo_pipeline.services.storage``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg

from resmo_pipeline import settings
from resmo_pipeline.services import instance_config as _config

TEMPLATE_PATH = _config.TEMPLATE_PATH


def instance_config(storage_dir: Path) -> dict[str, Any]:
    """The repository's instance settings with the storage set for this deployment (SQLite in ``storage_dir``,
    absolute, unless ``RESMO_INSTANCE_DB`` names PostgreSQL)."""
    return _config.instance_config(storage_dir)


def prepare_dagster_home() -> Path:
    """Write ``dagster.yaml`` into ``settings.dagster_home()`` and point ``DAGSTER_HOME`` at it; returns the folder.

    Raises ``InstanceStorageError`` / ``InstanceConfigError`` (both ValueError) for unusable settings.
    """
    home = settings.dagster_home()
    config_path = home / "dagster.yaml"
    text = _config.instance_yaml(home / "storage")
    if not config_path.exists() or config_path.read_text() != text:
        config_path.write_text(text)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance() -> dg.DagsterInstance:
    """The persistent instance under ``RESMO_HOME`` (the caller closes it, e.g. ``with get_instance() as i:``)."""
    home = prepare_dagster_home()
    return dg.DagsterInstance.from_config(str(home))
