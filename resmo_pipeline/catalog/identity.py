"""Who is in the organization: users, service principals, groups, memberships (direct and transitive) and
licenses (user entitlements)."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint, Paging
from resmo_pipeline.catalog.common import descriptor_kind, project_id_from_domain
from resmo_pipeline.catalog.model import FanOut, FetchContext, Record, ResourceType, col, ctx

AREA = "identity"

GRAPH_USERS = Endpoint(
    host="vssps.dev.azure.com", path="_apis/graph/users", api_version="7.1-preview.1",
    paging=Paging.HEADER_TOKEN, scope="vso.graph",
)
GRAPH_SERVICE_PRINCIPALS = Endpoint(
    host="vssps.dev.azure.com", path="_apis/graph/serviceprincipals", api_version="7.1-preview.1",
    paging=Paging.HEADER_TOKEN, scope="vso.graph",
)
GRAPH_GROUPS = Endpoint(
    host="vssps.dev.azure.com", path="_apis/graph/groups", api_version="7.1-preview.1",
    paging=Paging.HEADER_TOKEN, scope="vso.graph",
)
GRAPH_MEMBERSHIPS = Endpoint(
    host="vssps.dev.azure.com", path="_apis/graph/memberships/{subjectDescriptor}",
    api_version="7.1-preview.1", params={"direction": "down"}, scope="vso.graph",
)
USER_ENTITLEMENTS = Endpoint(
    host="vsaex.dev.azure.com", path="_apis/userentitlements", api_version="7.1-preview.3",
    paging=Paging.BODY_TOKEN, items_key="members", scope="vso.memberentitlementmanagement",
)

#: Groups whose members administer the organization or a project (display names are the same everywhere).
COLLECTION_ADMINS = "Project Collection Administrators"
PROJECT_ADMINS = "Project Administrators"
BUILD_SERVICE_ACCOUNTS = "Project Collection Build Service Accounts"
SERVICE_ACCOUNT_GROUPS = frozenset({"Project Collection Service Accounts", "Enterprise Service Accounts"})
ADMIN_GROUPS = frozenset(
    {COLLECTION_ADMINS, PROJECT_ADMINS, "Project Collection Build Administrators",
     "Project Collection Service Accounts", BUILD_SERVICE_ACCOUNTS}
)


def _named(names: frozenset[str] | str):
    wanted = {names} if isinstance(names, str) else names

    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool:
        return item.get("displayName") in wanted

    return extract


def _kind(path: str):
    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> str | None:
        return descriptor_kind(item.get(path))

    return extract


def _compute_effective_memberships(fc: FetchContext) -> list[Record]:
    """Transitive closure of the direct memberships: every (group, member) pair reachable through nested
    groups, with the shortest depth and the path of descriptors. No API calls."""
    members: dict[str, list[str]] = defaultdict(list)
    group_names: dict[str, Any] = {}
    for row in fc.parent_rows.get("group_memberships", []):
        members[row["container_descriptor"]].append(row["member_descriptor"])
        group_names[row["container_descriptor"]] = row.get("container_name")
    records: list[Record] = []
    for group in sorted(members):
        seen = {group}
        queue: deque[tuple[str, list[str]]] = deque([(group, [group])])
        while queue:
            current, path = queue.popleft()
            for member in members.get(current, ()):
                if member in seen:
                    continue
                seen.add(member)
                member_path = [*path, member]
                item = {"groupDescriptor": group, "memberDescriptor": member,
                        "depth": len(member_path) - 1, "path": member_path}
                records.append((item, {"group_name": group_names.get(group)}))
                if member in members:
                    queue.append((member, member_path))
    return records


TYPES = (
    ResourceType(
        name="users",
        area=AREA,
        description="Users known to the organization (graph): Entra ID members and guests, Microsoft "
        "accounts and service identities such as the build service.",
        endpoint=GRAPH_USERS,
        scope="organization",
        key=("descriptor",),
        columns=(
            col("descriptor", "VARCHAR"),
            col("display_name", "VARCHAR"),
            col("principal_name", "VARCHAR"),
            col("mail_address", "VARCHAR"),
            col("origin", "VARCHAR", description="aad, msa or vsts."),
            col("origin_id", "VARCHAR", description="Object id in the origin directory."),
            col("meta_type", "VARCHAR", description="member or guest."),
            col("domain", "VARCHAR"),
            col("directory_alias", "VARCHAR"),
            col("subject_kind", "VARCHAR"),
            col("user_kind", "VARCHAR", _kind("descriptor"), "Descriptor prefix: aad, msa, svc, ..."),
            col("is_deleted_in_origin", "BOOLEAN"),
        ),
        required_scope="vso.graph",
        audit_actions=("Group.", "Licensing."),
    ),
    ResourceType(
        name="service_principals",
        area=AREA,
        description="Entra ID service principals (applications, managed identities) added to the organization.",
        endpoint=GRAPH_SERVICE_PRINCIPALS,
        scope="organization",
        key=("descriptor",),
        columns=(
            col("descriptor", "VARCHAR"),
            col("display_name", "VARCHAR"),
            col("principal_name", "VARCHAR"),
            col("application_id", "VARCHAR"),
            col("origin", "VARCHAR"),
            col("origin_id", "VARCHAR"),
            col("domain", "VARCHAR"),
            col("meta_type", "VARCHAR"),
            col("subject_kind", "VARCHAR"),
        ),
        required_scope="vso.graph",
        audit_actions=("Group.", "Licensing."),
    ),
    ResourceType(
        name="groups",
        area=AREA,
        description="Security groups (Azure DevOps and Entra ID), flagged when they are well-known "
        "administrator or service-account groups.",
        endpoint=GRAPH_GROUPS,
        scope="organization",
        key=("descriptor",),
        columns=(
            col("descriptor", "VARCHAR"),
            col("display_name", "VARCHAR"),
            col("principal_name", "VARCHAR", description="[scope]\\name, e.g. [contoso]\\Project Collection "
                "Administrators."),
            col("description", "VARCHAR"),
            col("domain", "VARCHAR"),
            col("origin", "VARCHAR", description="vsts (Azure DevOps group) or aad (Entra ID group)."),
            col("origin_id", "VARCHAR"),
            col("mail_address", "VARCHAR"),
            col("group_kind", "VARCHAR", _kind("descriptor"), "Descriptor prefix: vssgp or aadgp."),
            col("project_id", "VARCHAR", lambda item, _c: project_id_from_domain(item.get("domain")),
                "The project of a project-level group; NULL for organization-level groups."),
            col("is_collection_admins", "BOOLEAN", _named(COLLECTION_ADMINS),
                "Project Collection Administrators."),
            col("is_project_admins", "BOOLEAN", _named(PROJECT_ADMINS), "A project's Project Administrators."),
            col("is_build_service_accounts", "BOOLEAN", _named(BUILD_SERVICE_ACCOUNTS),
                "Project Collection Build Service Accounts."),
            col("is_service_accounts", "BOOLEAN", _named(SERVICE_ACCOUNT_GROUPS),
                "Project Collection / Enterprise Service Accounts."),
            col("is_admin_group", "BOOLEAN", _named(ADMIN_GROUPS),
                "Any group whose members administer the organization, its builds or a project."),
        ),
        required_scope="vso.graph",
        audit_actions=("Group.",),
    ),
    ResourceType(
        name="group_memberships",
        area=AREA,
        description="Direct members of every group (users, service principals and nested groups).",
        endpoint=GRAPH_MEMBERSHIPS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="groups",
                path_params={"subjectDescriptor": "descriptor"},
                context={"container_name": "display_name", "container_principal_name": "principal_name"},
            ),
        ),
        key=("container_descriptor", "member_descriptor"),
        columns=(
            col("container_descriptor", "VARCHAR", description="The group."),
            ctx("container_name", description="The group's display name."),
            ctx("container_principal_name"),
            col("member_descriptor", "VARCHAR"),
            col("member_kind", "VARCHAR", _kind("memberDescriptor"),
                "Member descriptor prefix: aad/msa/svc (user), aadsp (service principal), vssgp/aadgp (group)."),
        ),
        required_scope="vso.graph",
        ignore_in_history=("_links",),
        audit_actions=("Group.UpdateGroupMembership",),
    ),
    ResourceType(
        name="effective_group_memberships",
        area=AREA,
        description="Transitive group membership, computed from group_memberships without API calls: every "
        "member of a group through any chain of nested groups, with depth (1 = direct) and the path.",
        endpoint=None,
        scope="parent",
        extra_parents=("group_memberships",),
        key=("group_descriptor", "member_descriptor"),
        columns=(
            col("group_descriptor", "VARCHAR"),
            ctx("group_name"),
            col("member_descriptor", "VARCHAR"),
            col("member_kind", "VARCHAR", _kind("memberDescriptor")),
            col("depth", "BIGINT"),
            col("path", "JSON", description="Descriptors from the group down to the member."),
            col("is_direct", "BOOLEAN", lambda item, _c: item["depth"] == 1),
        ),
        required_scope="vso.graph",
        fetch=_compute_effective_memberships,
        audit_actions=("Group.UpdateGroupMembership",),
    ),
    ResourceType(
        name="user_entitlements",
        area=AREA,
        description="Licenses (access levels) of users, their type (member or guest) and when they last "
        "accessed the organization (NULL = never).",
        endpoint=USER_ENTITLEMENTS,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "VARCHAR", description="The user's identity id."),
            col("user_descriptor", "VARCHAR", "user.descriptor"),
            col("principal_name", "VARCHAR", "user.principalName"),
            col("display_name", "VARCHAR", "user.displayName"),
            col("mail_address", "VARCHAR", "user.mailAddress"),
            col("origin", "VARCHAR", "user.origin"),
            col("origin_id", "VARCHAR", "user.originId"),
            col("user_type", "VARCHAR", "user.metaType", "member or guest."),
            col("license_type", "VARCHAR", "accessLevel.accountLicenseType",
                "express = Basic, advanced = Basic + Test Plans, stakeholder, none, ..."),
            col("license_display_name", "VARCHAR", "accessLevel.licenseDisplayName"),
            col("licensing_source", "VARCHAR", "accessLevel.licensingSource"),
            col("license_status", "VARCHAR", "accessLevel.status"),
            col("assignment_source", "VARCHAR", "accessLevel.assignmentSource"),
            col("last_accessed_date", "TIMESTAMP", description="NULL when the user never signed in."),
            col("date_created", "TIMESTAMP"),
            col("project_entitlements", "JSON"),
            col("group_assignments", "JSON"),
            col("extensions", "JSON"),
        ),
        required_scope="vso.memberentitlementmanagement",
        ignore_in_history=("lastAccessedDate",),
        audit_actions=("Licensing.", "Group."),
    ),
)
