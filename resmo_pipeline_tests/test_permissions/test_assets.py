"""The permission assets materialized for real on a Dagster test instance: rows replaced per organization through
the warehouse IO manager, SCD2 history kept, and a changed entry recorded as a change."""

from __future__ import annotations

import dagster as dg

from resmo_pipeline.inventory.partitions import ORGANIZATIONS_PARTITION
from resmo_pipeline.permissions.assets import permission_assets
from resmo_pipeline.warehouse import ResmoDuckDBIOManager
from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.resource import WarehouseResource
from resmo_pipeline_tests.test_permissions.conftest import CONTRIBUTE, ORG, REPO_TOKEN, Scenario, group, user


def _materialize(instance: dg.DagsterInstance, scenario: Scenario) -> dg.ExecuteInProcessResult:
    path = str(scenario.path)
    return dg.materialize(
        permission_assets,
        instance=instance,
        partition_key=ORG,
        resources={"warehouse_io_manager": ResmoDuckDBIOManager(database=path), "warehouse": WarehouseResource(
            path=path)},
    )


def test_materializing_writes_the_tables_views_and_history(scenario: Scenario) -> None:
    scenario.ace(REPO_TOKEN, group("Contributors"), allow=CONTRIBUTE).member(group("Contributors"), user("ann"))
    scenario.write()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(ORGANIZATIONS_PARTITION, [ORG])
        assert _materialize(instance, scenario).success
        with write_connection(scenario.path, publish_after_s=None) as conn:
            conn.execute("UPDATE azure_devops.access_control_lists SET deny = ? WHERE token = ?",
                         [CONTRIBUTE, REPO_TOKEN])
        assert _materialize(instance, scenario).success

    assert scenario.user_decision("ann", CONTRIBUTE, REPO_TOKEN) == "deny"
    versions = scenario.query(
        "SELECT decision, valid_to IS NULL FROM history.effective_permissions WHERE identity_descriptor = ? "
        "AND bit = ? AND token = lower(?) ORDER BY valid_from", [group("Contributors"), CONTRIBUTE, REPO_TOKEN])
    assert versions == [("allow", False), ("deny", True)]
    changes = scenario.query("SELECT change_type FROM history.changes WHERE resource_type = 'effective_permissions' "
                             "AND resource_id LIKE ? ORDER BY event_seq", [f"%|{CONTRIBUTE}"])
    assert [c for (c,) in changes][-1] == "modified"
    assert scenario.query("SELECT count(*) FROM azure_devops.permission_objects")[0][0] > 0
