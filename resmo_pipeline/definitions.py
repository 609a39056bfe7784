"""The single place where assets, checks, schedules, sensors and resources are assembled for Dagster.

``dagster dev -w workspace.yaml`` loads ``defs``; ``resmo-pipeline sync`` calls :func:`build_definitions` after it
has pointed ``RESMO_HOME`` and ``DAGSTER_HOME`` where they belong, so both see the same warehouse.
"""

import dagster as dg

from resmo_pipeline import settings
from resmo_pipeline.compliance.assets import FINDINGS_KEY, build_findings_asset
from resmo_pipeline.compliance.checks import build_compliance_checks, checkable_rules, loadable_rules
from resmo_pipeline.inventory.assets import IO_MANAGER_KEY, inventory_assets
from resmo_pipeline.inventory.jobs import inventory_job
from resmo_pipeline.inventory.resources import AzureDevOpsResource
from resmo_pipeline.inventory.schedules import inventory_poll_schedule
from resmo_pipeline.inventory.sensors import audit_log_change_sensor
from resmo_pipeline.notify.sensors import notification_sensor
from resmo_pipeline.permissions.assets import permission_assets
from resmo_pipeline.warehouse import ResmoDuckDBIOManager
from resmo_pipeline.warehouse.resource import WarehouseResource


def build_definitions() -> dg.Definitions:
    """Everything Dagster serves, with the warehouse under the current ``RESMO_HOME``."""
    warehouse = str(settings.warehouse_path())
    tables = {key for asset in (*inventory_assets, *permission_assets) for key in asset.keys}
    # Broken custom rules (RESMO_RULES_DIR) are logged and skipped, never breaking the code location.
    rules = checkable_rules(loadable_rules(), tables)
    return dg.Definitions(
        assets=[
            *inventory_assets,
            *permission_assets,
            build_findings_asset(rules, tables),
        ],
        asset_checks=[
            *build_compliance_checks(rules, tables, findings_key=FINDINGS_KEY),
        ],
        jobs=[
            inventory_job,
        ],
        schedules=[
            inventory_poll_schedule,
        ],
        sensors=[
            audit_log_change_sensor,
            notification_sensor,
        ],
        resources={
            IO_MANAGER_KEY: ResmoDuckDBIOManager(database=warehouse),
            "warehouse": WarehouseResource(path=warehouse),
            "azure_devops": AzureDevOpsResource(),
        },
        # One process per run: steps share the DuckDB write lock and the API client instead of fighting over it.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
