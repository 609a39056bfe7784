"""The evaluation against the simulated service: for every access control entry of the demo organization, the
bits our engine decides for that identity on that token are the service's extendedInfo effectiveAllow and
effectiveDeny (AceExtendedInformation: "the combination of all of the explicit and inherited permissions for
this identity on this token")."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.inventory.collect import collect_all
from resmo_pipeline.permissions.evaluate import evaluate
from resmo_pipeline.permissions.inputs import INPUT_COLUMNS, load_inputs
from resmo_pipeline.simulator import Simulator
from resmo_pipeline.simulator.routes_org import _extended_info
from resmo_pipeline_tests.test_compliance.conftest import write_inventory

INPUTS = [name for name in INPUT_COLUMNS if name != "role_assignments"]


@pytest.fixture(scope="module")
def demo_inputs(simulator: Simulator, tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url) as client:
        results = collect_all(client, INPUTS)
    path: Path = tmp_path_factory.mktemp("demo-permissions") / "warehouse.duckdb"
    write_inventory(path, results)
    source = duckdb.connect(str(path))
    inputs = load_inputs(source, "contoso")
    source.close()
    return inputs


def test_every_entry_of_the_demo_agrees_with_the_service_effective_bits(
    demo_inputs: duckdb.DuckDBPyConnection,
) -> None:
    permissions = evaluate(demo_inputs, "contoso").permissions
    demo_inputs.register("ours", permissions)
    rows = demo_inputs.execute("""
        WITH decided AS (
            SELECT namespace, token, identity_descriptor,
                   bit_or(bit) FILTER (WHERE decision = 'allow') AS allow,
                   bit_or(bit) FILTER (WHERE decision = 'deny') AS deny
            FROM ours GROUP BY ALL
        )
        SELECT a.namespace_name, a.token, a.identity_display_name,
               coalesce(a.effective_allow, 0), coalesce(d.allow, 0), coalesce(a.effective_deny, 0), coalesce(d.deny, 0)
        FROM azure_devops.access_control_lists AS a
        LEFT JOIN decided AS d ON d.namespace = a.namespace_name AND d.token = lower(rtrim(a.token, '/'))
             AND d.identity_descriptor = a.identity_subject_descriptor
    """).fetchall()

    assert len(rows) > 100
    # Entries where something is inherited prove the comparison is not only "own bits = own bits".
    assert demo_inputs.execute(
        "SELECT count(*) FROM azure_devops.access_control_lists WHERE effective_allow <> allow & ~deny"
    ).fetchall()[0][0] >= 2
    disagreements = [row for row in rows if row[3] != row[4] or row[5] != row[6]]
    assert disagreements == []


def test_the_simulator_extended_info_inherits_per_identity_and_stops_at_a_cut() -> None:
    acls = [
        {"token": "repoV2/p", "inheritPermissions": True,
         "acesDictionary": {"a": {"allow": 4 | 8, "deny": 2}, "b": {"allow": 4, "deny": 0}}},
        {"token": "repoV2/p/r", "inheritPermissions": True, "acesDictionary": {"a": {"allow": 0, "deny": 8}}},
        {"token": "repoV2/p/r/refs/heads/6d00/", "inheritPermissions": True,
         "acesDictionary": {"a": {"allow": 1, "deny": 0}}},
        {"token": "repoV2/p/s", "inheritPermissions": False, "acesDictionary": {"a": {"allow": 1, "deny": 0}}},
    ]

    assert _extended_info(acls, acls[2], "a") == {
        "effectiveAllow": 1 | 4, "effectiveDeny": 8 | 2, "inheritedAllow": 4, "inheritedDeny": 8 | 2}
    assert _extended_info(acls, acls[3], "a") == {"effectiveAllow": 1}
