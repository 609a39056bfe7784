"""The persistent Dagster instance under ``RESMO_HOME``.

Commands that run or register things (``sync``, ``integrations add``, ``demo``) use this instance, so their runs,
sensor cursors and the ``organizations`` partitions are what ``dagster dev`` shows when started with the same
``DAGSTER_HOME``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from resmo_pipeline import settings

# The repository's dagster.yaml is the template; an installed package without the repository falls back to the
# storage setting alone, which is the part that must point into RESMO_HOME.
TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "dagster.yaml"


def instance_config(storage_dir: Path) -> dict[str, Any]:
    """The repository's instance settings with the SQLite storage moved to ``storage_dir`` (absolute)."""
    config: dict[str, Any] = {}
    if TEMPLATE_PATH.exists():
        config = yaml.safe_load(TEMPLATE_PATH.read_text()) or {}
    config["storage"] = {"sqlite": {"base_dir": str(storage_dir.resolve())}}
    return config


def prepare_dagster_home() -> Path:
    """Write ``dagster.yaml`` into ``settings.dagster_home()`` and point ``DAGSTER_HOME`` at it; returns the folder."""
    home = settings.dagster_home()
    config_path = home / "dagster.yaml"
    text = yaml.safe_dump(instance_config(home / "storage"), sort_keys=False)
    if not config_path.exists() or config_path.read_text() != text:
        config_path.write_text(text)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def get_instance() -> dg.DagsterInstance:
    """The persistent instance under ``RESMO_HOME`` (the caller closes it, e.g. ``with get_instance() as i:``)."""
    home = prepare_dagster_home()
    return dg.DagsterInstance.from_config(str(home))
