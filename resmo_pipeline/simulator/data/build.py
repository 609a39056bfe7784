"""`build_state`: one simulated organization for a preset, deterministic per seed."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

from resmo_pipeline.simulator.data import areas as extra_areas
from resmo_pipeline.simulator.data.agents import AgentsBuilder
from resmo_pipeline.simulator.data.artifacts import ArtifactsBuilder
from resmo_pipeline.simulator.data.audit import AuditBuilder
from resmo_pipeline.simulator.data.bulk import PRESET_SIZES, populate_bulk
from resmo_pipeline.simulator.data.code import CodeBuilder
from resmo_pipeline.simulator.data.core import CoreBuilder
from resmo_pipeline.simulator.data.demo import populate_demo
from resmo_pipeline.simulator.data.extensions import ExtensionsBuilder
from resmo_pipeline.simulator.data.identity import IdentityBuilder
from resmo_pipeline.simulator.data.library import LibraryBuilder
from resmo_pipeline.simulator.data.pipelines import PipelinesBuilder
from resmo_pipeline.simulator.data.security import SecurityBuilder
from resmo_pipeline.simulator.data.state import OrgState


class Builder(
    IdentityBuilder,
    CoreBuilder,
    CodeBuilder,
    AgentsBuilder,
    PipelinesBuilder,
    LibraryBuilder,
    SecurityBuilder,
    AuditBuilder,
    ArtifactsBuilder,
    ExtensionsBuilder,
):
    """Creates consistent objects in an OrgState, every area together; the presets decide what to create."""


def build_state(preset: str, organization: str, seed: int, now: datetime | None = None) -> OrgState:
    """Build one simulated organization for a preset (`demo`, `medium`, `large`), deterministic per seed.

    Dates are relative to `now` (default: the current time), so "inactive for 90 days" stays true.
    """
    if preset != "demo" and preset not in PRESET_SIZES:
        raise ValueError(f"unknown preset {preset!r}; choose demo, medium or large")
    rng = random.Random(f"{preset}:{organization.lower()}:{seed}")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    state = OrgState(
        organization=organization,
        preset=preset,
        seed=seed,
        now=moment,
        org_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        tenant_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    )
    builder = Builder(state, rng)
    if preset == "demo":
        populate_demo(builder)
    else:
        populate_bulk(builder, PRESET_SIZES[preset])
    for populate_area in extra_areas.AREAS:
        populate_area(builder, None if preset == "demo" else PRESET_SIZES[preset])
    _finish(builder)
    return state


def _finish(b: Builder) -> None:
    """Details that need the whole organization: owner/SP summaries, collection ACLs, group entitlements."""
    s = b.s
    owner = s.subjects[s.owner["descriptor"]]
    s.owner = {"descriptor": owner["descriptor"], "id": owner["_id"], "displayName": owner["displayName"],
               "principalName": owner["principalName"], "mailAddress": owner["mailAddress"]}
    sp = s.subjects[s.entra_sp["descriptor"]]
    s.entra_sp = {"descriptor": sp["descriptor"], "id": sp["_id"], "client_id": sp["applicationId"],
                  "applicationId": sp["applicationId"], "object_id": sp["originId"],
                  "displayName": sp["displayName"], "uniqueName": sp["principalName"], "tenant_id": s.tenant_id}
    b.acl("Collection", "NAMESPACE:", [(b.pca, 1023, 0), (b.pcvu, 1, 0), (b.pcsa, 1023, 0)])
    b.acl("AuditLog", "/AllPermissions", [(b.pca, 15, 0)])
    b.acl("BuildAdministration", "BuildPrivileges", [(b.pca, 31, 0), (b.pcbsa, 4, 0)])
    b.acl("DistributedTask", "AgentPools", [(b.pca, 63, 0), (b.pcvu, 1, 0)])
    for pid, repos in _repos_by_project(s).items():
        for repo in repos[:3]:
            b.acl("Git Repositories", f"repoV2/{pid}/{repo['id']}", [(b.build_service[pid], 16502, 8)])
    s.group_entitlements = []
    for descriptor, subject in s.subjects.items():
        if subject["subjectKind"] == "group" and subject["origin"] == "aad":
            s.group_entitlements.append({"_group": descriptor, "license": "express", "lastExecuted": b.ago(1)})


def _repos_by_project(state: OrgState) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for repo in state.repositories:
        grouped.setdefault(repo["project"]["id"], []).append(repo)
    return grouped
