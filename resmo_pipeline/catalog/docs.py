"""Documentation of the catalog, generated from the entries themselves (docs/resource-types.md).

Regenerate with `python -m resmo_pipeline.catalog.docs > docs/resource-types.md`; a test fails when the
committed page is out of date.
"""

from __future__ import annotations

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.azure_devops.hosts import HOSTS_WITHOUT_ORGANIZATION
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.catalog.model import ResourceType

HEADER = """# Resource types

Every type below is one table `azure_devops.<name>` in the warehouse and one asset `azure_devops/<name>`
(group = area). Every row has `organization`, `resource_id` (the key columns joined with '/'), the columns
listed, `fetched_at` (UTC) and `raw` (the item as the API returned it, JSON).

Generated from `resmo_pipeline/catalog` by `python -m resmo_pipeline.catalog.docs`; do not edit by hand.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _endpoint(endpoint: Endpoint) -> str:
    organization = "" if endpoint.host in HOSTS_WITHOUT_ORGANIZATION else "{organization}/"
    return f"`GET {endpoint.host}/{organization}{endpoint.path}` ({endpoint.api_version})"


def _source(resource_type: ResourceType) -> str:
    endpoints = [_endpoint(e) for e in resource_type.all_endpoints]
    if not endpoints:
        return "computed from " + ", ".join(resource_type.parents)
    text = "<br>".join(endpoints)
    if resource_type.parents:
        text += "<br>per row of " + ", ".join(resource_type.parents)
    return text


def resource_types_table() -> str:
    """A markdown table of every resource type: name, endpoint, scope, PAT scope, description."""
    lines = [
        "| Type | Area | Endpoint | Scope | PAT scope | Description |",
        "|---|---|---|---|---|---|",
    ]
    for rt in RESOURCE_TYPES.values():
        lines.append(
            f"| `{rt.name}` | {rt.area} | {_cell(_source(rt))} | {rt.scope} | "
            f"{f'`{rt.required_scope}`' if rt.required_scope else 'none (internal)'} | {_cell(rt.description)} |"
        )
    return "\n".join(lines)


def columns_section(resource_type: ResourceType) -> str:
    """A markdown section listing one type's columns with their DuckDB types and meanings."""
    lines = [
        f"### `{resource_type.name}`",
        "",
        f"Key: {', '.join(f'`{k}`' for k in resource_type.key)}."
        + (" Appended incrementally, no history." if resource_type.write_mode == "append" else ""),
        "",
        "| Column | Type | Meaning |",
        "|---|---|---|",
    ]
    for column in resource_type.columns:
        lines.append(f"| `{column.name}` | {column.type} | {_cell(column.description)} |")
    return "\n".join(lines)


COMPUTED = """Computed by `resmo_pipeline.permissions` from the types above, without API requests (their columns,
semantics and sources: [permissions.md](permissions.md)): `effective_permissions` (who is allowed or denied each
permission on each object holding an access control list), `permission_objects` (every secured object and the
list that decides for it) and `effective_roles` (roles on pipeline resources resolved to identities); views
`effective_object_permissions`, `effective_user_permissions` and `effective_user_roles`; history view
`history.permission_changes`."""


def render() -> str:
    """The whole docs/resource-types.md page."""
    sections = [HEADER, resource_types_table(), "", COMPUTED, "", "## Columns", ""]
    sections += [columns_section(rt) + "\n" for rt in RESOURCE_TYPES.values()]
    return "\n".join(sections).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
