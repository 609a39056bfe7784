"""What each column of the evaluated permission tables means, for the Dagster UI's column schema and the docs."""

from __future__ import annotations

import dagster as dg

from resmo_pipeline.inventory.assets import CONTRACT_COLUMNS

_SHARED = {
    "organization": CONTRACT_COLUMNS["organization"],
    "fetched_at": "When the evaluation ran (UTC)",
    "namespace": "Security namespace of the access control list (Git Repositories, Build, Project, ...)",
    "token": "Security token of the object (e.g. repoV2/{projectId}/{repoId}); its parents are its prefixes",
    "resource_type": "What the object is: project, repository, branch, build_definition, release_definition, "
    "a pipeline resource type, or token for a list on something the inventory does not name",
    "object_id": "The object's own id (project, repository, definition id; a branch's ref name)",
    "resource_name": "The object's name as people know it (repository name, branch@repository, pipeline path)",
    "project_name": "Project the object belongs to (empty for organization-level objects)",
    "identity_descriptor": "Identity descriptor of the user, group or service principal named in the list",
    "identity_name": "Display name of that identity ([Project]\\Group, user principal name, ...)",
    "identity_kind": "user, group or service_principal",
    "is_build_service": "True for a project or collection Build Service identity (what pipelines run as)",
    "via": "direct, or where the decision is inherited from (\"inherited from project Payments\")",
}

PERMISSION_DESCRIPTIONS = {
    **_SHARED,
    "resource_id": "Row key: namespace|token|identity|bit",
    "permission": "The permission's display name as Azure DevOps shows it (\"Force push\", ...)",
    "permission_name": "The permission's name in the namespace's action list (ForcePush, ...)",
    "bit": "The permission's bit in the namespace's action list",
    "is_collection_admins": "True when the identity is Project Collection Administrators, whose allows "
    "no deny removes (except on work items)",
    "decision": "allow or deny: the closest explicit entry for this identity; a deny beats an allow on one token",
    "source_token": "Token of the list whose entry decided (the object's own, or a parent's)",
    "level": "How many levels above the object the deciding entry sits (0: on the object itself)",
}

OBJECT_DESCRIPTIONS = {
    **_SHARED,
    "resource_id": "Row key: namespace|token",
    "decisive_token": "Token of the closest list at or above the object: its decisions are the object's",
}

ROLE_DESCRIPTIONS = {
    **_SHARED,
    "resource_id": "Row key: the role assignment's key in azure_devops.role_assignments",
    "role_scope": "Security role scope of the assignment (distributedtask.serviceendpointrole, ...)",
    "role": "Security role: Administrator, Creator, User or Reader",
    "role_rank": "The role's rank (Administrator 4 > Creator 3 > User 2 > Reader 1)",
    "via": "assigned (on the resource itself), or where the role is inherited from",
    "fetched_at": "When the roles were resolved (UTC)",
}


def column_schema(column_types: dict[str, str], descriptions: dict[str, str]) -> dg.TableSchema:
    """The table's columns with their DuckDB types and meanings."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=column_type, description=descriptions[name])
            for name, column_type in column_types.items()
        ]
    )
