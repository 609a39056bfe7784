"""Fixtures of the simulator tests: the official `azure-devops` SDK connected to the session simulator."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from resmo_pipeline.simulator import Simulator


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The SDK with its on-disk OPTIONS/resource-area caches moved into a temporary folder."""
    cache_dir = tmp_path_factory.mktemp("azure-devops-cache")
    with pytest.MonkeyPatch.context() as patch:
        # Read at import time; set first so importing it does not create ~/.azure-devops.
        patch.setenv("AZURE_DEVOPS_CACHE_DIR", str(cache_dir))
        file_cache = importlib.import_module("azure.devops._file_cache")
        for name in ("OPTIONS_CACHE", "RESOURCE_CACHE"):
            cache = getattr(file_cache, name)
            patch.setattr(cache, "file_name", str(Path(cache_dir, f"{name.lower()}.json")))
            patch.setattr(cache, "data", {})
            patch.setattr(cache, "initial_load_occurred", False)
        yield importlib.import_module("azure.devops.connection")


@pytest.fixture(scope="module")
def connection(sdk: ModuleType, simulator: Simulator) -> Any:
    from msrest.authentication import BasicAuthentication

    return sdk.Connection(
        base_url=f"{simulator.base_url}/dev.azure.com/{simulator.organization}",
        creds=BasicAuthentication("", simulator.pat),
    )
