"""The instance's dagster.yaml: the repository's template with storage and the run queue set for this machine.

``dagster.yaml`` at the repository root is the template (run queue limits, run retries, telemetry off). What is
per deployment comes from the environment: the storage (``services.storage``: SQLite under ``RESMO_HOME`` or
PostgreSQL from ``RESMO_INSTANCE_DB``) and how many runs may run at once (``RESMO_MAX_CONCURRENT_RUNS``, which
``resmo-pipeline serve --max-concurrent-runs`` sets), and which launcher starts runs (``services.workers``:
Celery with ``RESMO_RUN_LAUNCHER=celery``). The daemon reads the file when it starts, so a new limit
takes effect at the next start of ``serve``.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from resmo_pipeline.services.storage import storage_config
from resmo_pipeline.services.workers import run_launcher_config

# An installed package (a container image) has no repository around it: it uses FALLBACK, the same settings as
# the repository's dagster.yaml (a test holds the two equal).
TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "dagster.yaml"
MAX_CONCURRENT_RUNS_ENV = "RESMO_MAX_CONCURRENT_RUNS"
FALLBACK: dict[str, Any] = {
    "concurrency": {
        "runs": {
            "max_concurrent_runs": 3,
            "tag_concurrency_limits": [
                {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1},
            ],
        },
    },
    "run_retries": {"enabled": True, "max_retries": 1, "retry_on_asset_or_op_failure": False},
    "telemetry": {"enabled": False},
}


class InstanceConfigError(ValueError):
    """A setting for the instance is unusable; the message names it and the fix."""


def max_concurrent_runs() -> int | None:
    """``RESMO_MAX_CONCURRENT_RUNS`` as a number (None when unset: the template's value stays)."""
    text = os.environ.get(MAX_CONCURRENT_RUNS_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InstanceConfigError(f"{MAX_CONCURRENT_RUNS_ENV} must be a whole number of at least 1, not {text!r}")
    return int(text)


def template() -> dict[str, Any]:
    """The repository's dagster.yaml, or the built-in fallback when the package runs without the repository."""
    if TEMPLATE_PATH.exists():
        return yaml.safe_load(TEMPLATE_PATH.read_text()) or {}
    return copy.deepcopy(FALLBACK)


def instance_config(storage_dir: Path) -> dict[str, Any]:
    """The instance settings, with SQLite storage in ``storage_dir`` unless ``RESMO_INSTANCE_DB`` names PostgreSQL."""
    config = template()
    config["storage"] = storage_config(storage_dir)
    limit = max_concurrent_runs()
    if limit is not None:
        config.setdefault("concurrency", {}).setdefault("runs", {})["max_concurrent_runs"] = limit
    launcher = run_launcher_config()
    if launcher is not None:
        config["run_launcher"] = launcher
    return config


def instance_yaml(storage_dir: Path) -> str:
    """``instance_config`` as the text of a dagster.yaml."""
    return yaml.safe_dump(instance_config(storage_dir), sort_keys=False)
