"""The base of the organization builder: state, randomness and the primitives every area uses."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from resmo_pipeline.simulator.data.constants import (
    iso,
)
from resmo_pipeline.simulator.data.state import OrgState


class BuilderBase:
    """What every area builder shares: the state, the random source, well-known groups and the primitives.

    The area mixins (identity, core, code, ...) add the objects of their area; `Builder` in `build.py` is
    all of them together, and the presets (`demo.py`, `bulk.py`) decide what to create."""

    def __init__(self, state: OrgState, rng: random.Random) -> None:
        self.s = state
        self.rng = rng
        self.sid_counter = 0
        self.pca = ""
        self.pcbsa = ""
        self.pcsa = ""
        self.pcvu = ""
        self.project_groups: dict[str, dict[str, str]] = {}
        self.build_service: dict[str, str] = {}
        self.collection_build_service = ""
        self.hosted_pool: dict[str, Any] = {}
        self.project_queues: dict[str, dict[str, dict[str, Any]]] = {}
        self.people: list[str] = []

    # ---- primitives ----------------------------------------------------------------------------------

    def guid(self) -> str:
        """A random version-4 GUID, exactly `str(uuid.UUID(int=bits, version=4))` at a third of the cost."""
        bits = self.rng.getrandbits(128) & ~(0xC000 << 48) | (0x8000 << 48)
        h = f"{bits & ~(0xF000 << 64) | (4 << 76):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ago(self, days: float, hours: float = 0) -> str:
        return iso(self.s.now - timedelta(days=days, hours=hours, seconds=self.rng.randint(0, 3599)))

    def sha(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"

    def _register(self, subject: dict[str, Any]) -> dict[str, Any]:
        self.s.subjects[subject["descriptor"]] = subject
        self.s.subject_by_id[subject["_id"]] = subject["descriptor"]
        self.s.subject_by_legacy[subject["_legacy"]] = subject["descriptor"]
        return subject


    def _people(self) -> list[str]:
        return self.people
