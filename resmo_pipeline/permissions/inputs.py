"""The inventory rows the evaluation reads, copied for one organization into a private in-memory DuckDB.

The evaluation never runs on the warehouse itself: a sync writes it meanwhile, and a type that was not collected
(a 403, a switched-off service) would make every query fail to bind. The copy holds only the columns below,
with empty tables for what is missing, so a missing type means "no rows", never an error.
"""

from __future__ import annotations

import duckdb

from resmo_pipeline.permissions.tokens import git_branch_token
from resmo_pipeline.warehouse.schema import qualified_name, quote_identifier, table_columns

MEMORY_LIMIT = "512MB"

#: Table → the columns the evaluation reads and their types (branches.token is computed, see _branch_token).
INPUT_COLUMNS: dict[str, dict[str, str]] = {
    "access_control_lists": {
        "namespace_name": "VARCHAR", "token": "VARCHAR", "inherit_permissions": "BOOLEAN", "descriptor": "VARCHAR",
        "allow": "BIGINT", "deny": "BIGINT", "effective_allow": "BIGINT", "effective_deny": "BIGINT",
        "identity_id": "VARCHAR", "identity_subject_descriptor": "VARCHAR", "identity_display_name": "VARCHAR",
        "identity_is_group": "BOOLEAN",
    },
    "security_namespaces": {"name": "VARCHAR", "actions": "JSON"},
    "projects": {"id": "VARCHAR", "name": "VARCHAR"},
    "repositories": {"id": "VARCHAR", "name": "VARCHAR", "project_id": "VARCHAR", "project_name": "VARCHAR"},
    "branches": {
        "repository_id": "VARCHAR", "repository_name": "VARCHAR", "project_id": "VARCHAR", "project_name": "VARCHAR",
        "name": "VARCHAR", "is_default_branch": "BOOLEAN", "token": "VARCHAR",
    },
    "build_definitions": {
        "id": "BIGINT", "name": "VARCHAR", "path": "VARCHAR", "project_id": "VARCHAR", "project_name": "VARCHAR",
    },
    "release_definitions": {
        "id": "BIGINT", "name": "VARCHAR", "path": "VARCHAR", "project_id": "VARCHAR", "project_name": "VARCHAR",
    },
    "users": {"descriptor": "VARCHAR", "display_name": "VARCHAR", "principal_name": "VARCHAR"},
    "service_principals": {"descriptor": "VARCHAR", "display_name": "VARCHAR", "principal_name": "VARCHAR"},
    "groups": {
        "descriptor": "VARCHAR", "display_name": "VARCHAR", "principal_name": "VARCHAR",
        "is_collection_admins": "BOOLEAN",
    },
    "role_assignments": {
        "resource_id": "VARCHAR", "scope": "VARCHAR", "resource_kind": "VARCHAR", "resource_id_ref": "VARCHAR",
        "resource_name": "VARCHAR", "project_name": "VARCHAR", "identity_id": "VARCHAR",
        "identity_display_name": "VARCHAR", "identity_unique_name": "VARCHAR", "role": "VARCHAR",
        "access": "VARCHAR", "is_inherited": "BOOLEAN", "role_scope": "VARCHAR", "project_id": "VARCHAR",
    },
}


def _branch_token(project_id: str | None, repository_id: str | None, name: str | None) -> str | None:
    """The branch's token (``tokens.git_branch_token``), computed here so Python and SQL use one encoder."""
    if not (project_id and repository_id and name and name.startswith("refs/heads/")):
        return None
    return git_branch_token(project_id, repository_id, name)


def load_inputs(
    source: duckdb.DuckDBPyConnection, organization: str, tables: tuple[str, ...] | None = None
) -> duckdb.DuckDBPyConnection:
    """A new in-memory connection with schema ``azure_devops`` holding one organization's rows of ``tables``
    (every input table by default)."""
    target = duckdb.connect(":memory:")
    # The copy is small (tens of MB on the large preset); the limit keeps a surprise from taking the machine.
    target.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    target.execute("CREATE SCHEMA azure_devops")
    for table in tables or tuple(INPUT_COLUMNS):
        columns = INPUT_COLUMNS[table]
        definition = ", ".join(f"{quote_identifier(name)} {kind}" for name, kind in columns.items())
        target.execute(f"CREATE TABLE {qualified_name('azure_devops', table)} ({definition})")
        present = table_columns(source, "azure_devops", table)
        if not present:
            continue
        select = ", ".join(
            (f"CAST({quote_identifier(name)} AS {kind})" if name in present else f"NULL::{kind}")
            + f" AS {quote_identifier(name)}"
            for name, kind in columns.items()
        )
        relation = source.execute(
            f"SELECT {select} FROM {qualified_name('azure_devops', table)} WHERE organization = ?", [organization]
        ).df()
        if table == "branches":
            relation["token"] = [_branch_token(*row) for row in
                                 zip(relation["project_id"], relation["repository_id"], relation["name"], strict=True)]
        target.register("_perm_input", relation)
        target.execute(f"INSERT INTO {qualified_name('azure_devops', table)} SELECT * FROM _perm_input")
        target.unregister("_perm_input")
    return target
