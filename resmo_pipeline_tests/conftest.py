"""Fixtures shared by the whole suite.

`simulator`: one running demo-preset simulated Azure DevOps organization for the session (read-only use:
tests that change its data through the admin API should start their own with `run_simulator`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from resmo_pipeline.simulator import Simulator, run_simulator


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """A running demo-preset simulator (organization "contoso", seed 7) on 127.0.0.1."""
    with run_simulator(preset="demo", organization="contoso", seed=7) as sim:
        yield sim
