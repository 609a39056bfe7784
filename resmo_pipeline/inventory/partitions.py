"""Every connected Azure DevOps organization is one partition of every inventory asset."""

import dagster as dg

ORGANIZATIONS_PARTITION = "organizations"

# Keys live in the Dagster instance (DAGSTER_HOME), added and removed by the integrations lifecycle; a key is the
# lower-case organization name, which is also the `organization` column of every warehouse row.
organizations = dg.DynamicPartitionsDefinition(name=ORGANIZATIONS_PARTITION)


def ensure_organizations(instance: dg.DagsterInstance, names: list[str]) -> list[str]:
    """Add the organizations that are not yet partitions; returns the normalised (lower-case) keys."""
    keys = [name.lower() for name in names]
    missing = [key for key in keys if not instance.has_dynamic_partition(ORGANIZATIONS_PARTITION, key)]
    if missing:
        instance.add_dynamic_partitions(ORGANIZATIONS_PARTITION, missing)
    return keys
