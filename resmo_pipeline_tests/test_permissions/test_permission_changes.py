"""``history.permission_changes`` end to end: a permission granted in the simulated Azure DevOps (through its admin
API, which writes the audit entry the service writes) shows after the next sync as a change of the effective
permissions, with the decision before and after and the audit entry naming who made it — on the token changed
and on the branch lists below it that inherit the new decision."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from resmo_pipeline.definitions import build_definitions
from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.lifecycle import add_integration
from resmo_pipeline.integrations.registry import Integration
from resmo_pipeline.inventory.assets import asset_key
from resmo_pipeline.inventory.jobs import INVENTORY_JOB
from resmo_pipeline.inventory.selection import select_types
from resmo_pipeline.permissions.assets import permission_assets
from resmo_pipeline.simulator import run_simulator

PAT_ENV = "RESMO_PERMISSION_CHANGES_PAT"
CONTRIBUTORS = "[Payments]\\Contributors"
ACTOR = "frank@contoso.com"


def _selection() -> list[Any]:
    """The permission assets, every type they read (with the types those are read per row of) and the audit log."""
    own = {key for asset in permission_assets for key in asset.keys}
    inputs = {key.path[-1] for asset in permission_assets for key in asset.dependency_keys if key not in own}
    names = select_types(sorted(inputs | {"audit_log"})).names
    return [asset_key(name) for name in names] + sorted(own, key=str)


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    home = tmp_path_factory.mktemp("permission-changes") / "resmo"
    with pytest.MonkeyPatch.context() as env, run_simulator(preset="demo", organization="contoso") as sim:
        env.setenv("RESMO_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        env.setenv(PAT_ENV, sim.pat)
        organization = sim.organization.lower()
        add_integration(Integration(name=organization, base_url=sim.base_url, pat_env=PAT_ENV))
        project = next(p for p in sim.state.projects if p["name"] == "Payments")
        repository = next(r for r in sim.state.repositories if r["name"] == "payments-api")
        token = f"repoV2/{project['id']}/{repository['id']}"
        with get_instance() as instance:
            job = build_definitions().resolve_job_def(INVENTORY_JOB)
            selection = _selection()
            assert job.execute_in_process(instance=instance, partition_key=organization,
                                          asset_selection=selection).success
            response = requests.post(f"{sim.admin_url}/changes", timeout=10, json={
                "action": "set_permission", "namespace": "Git Repositories", "token": token,
                "subject": CONTRIBUTORS, "permission": "ForcePush", "value": "allow", "actor": ACTOR})
            response.raise_for_status()
            audit = response.json()["auditEntry"]
            assert job.execute_in_process(instance=instance, partition_key=organization,
                                          asset_selection=selection).success
        yield home, {"token": token.lower(), "audit": audit}


def _query(home: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    conn = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def test_a_granted_permission_is_a_change_with_its_audit_entry(changed: tuple[Path, dict[str, Any]]) -> None:
    home, facts = changed
    rows = _query(home, """
        SELECT decision_before, decision_after, change, change_type, changed_by, audit_action, audit_event_id,
               permission
        FROM history.permission_changes
        WHERE identity_name = ? AND token = ? AND permission_name = 'ForcePush'
          AND detected_at = (SELECT max(detected_at) FROM history.permission_changes)""",
        [CONTRIBUTORS, facts["token"]])
    assert rows == [(None, "allow", "granted", "created", ACTOR, "Security.ModifyPermission",
                     facts["audit"]["id"], "Force push (rewrite history, delete branches and tags)")]


def test_inherited_decisions_below_the_token_point_to_the_same_entry(changed: tuple[Path, dict[str, Any]]) -> None:
    home, facts = changed
    below = _query(home, """
        SELECT token, decision_after, changed_by, audit_event_id FROM history.permission_changes
        WHERE identity_name = ? AND permission_name = 'ForcePush' AND starts_with(token, ? || '/')
          AND detected_at = (SELECT max(detected_at) FROM history.permission_changes)""",
        [CONTRIBUTORS, facts["token"]])
    # payments-api's main branch has a list of its own (the demo's branch permissions): it inherits the grant.
    assert below, "no list below the repository inherited the change"
    assert {(decision, actor, event) for _, decision, actor, event in below} == {
        ("allow", ACTOR, facts["audit"]["id"])}


def test_only_the_changed_decisions_are_changes_in_the_second_sync(changed: tuple[Path, dict[str, Any]]) -> None:
    home, _ = changed
    [(count, other_permissions)] = _query(home, """
        SELECT count(*), count(*) FILTER (WHERE permission_name <> 'ForcePush' OR identity_name <> ?)
        FROM history.permission_changes
        WHERE detected_at = (SELECT max(detected_at) FROM history.permission_changes)""", [CONTRIBUTORS])
    assert count >= 1 and other_permissions == 0
