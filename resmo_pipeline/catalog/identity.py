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
            col("descriptor", "VARCHAR",
                description="The user's graph descriptor (aad.*, msa.*, svc.*); joins to group memberships."),
            col("display_name", "VARCHAR", description="The user's display name."),
            col("principal_name", "VARCHAR", description="Sign-in name, usually the UPN or e-mail address."),
            col("mail_address", "VARCHAR", description="The user's e-mail address."),
            col("origin", "VARCHAR",
                description="Directory the user comes from: aad (Entra ID), msa (Microsoft account) or vsts."),
            col("origin_id", "VARCHAR", description="Object id in the origin directory."),
            col("meta_type", "VARCHAR", description="member or guest (an Entra guest user)."),
            col("domain", "VARCHAR",
                description="The directory: the Entra tenant id for aad users, Windows Live ID for msa users."),
            col("directory_alias", "VARCHAR", description="The user's alias in the directory (Entra mail nickname)."),
            col("subject_kind", "VARCHAR", description="Graph subject kind (user)."),
            col("user_kind", "VARCHAR", _kind("descriptor"), "Descriptor prefix: aad, msa, svc, ..."),
            col("is_deleted_in_origin", "BOOLEAN",
                description="True when the user was deleted from its directory (e.g. Entra ID) but is still here."),
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
            col("descriptor", "VARCHAR", description="Graph subject descriptor of the service principal (aadsp.*)."),
            col("display_name", "VARCHAR", description="The service principal's display name."),
            col("principal_name", "VARCHAR", description="Principal name (the Entra object id)."),
            col("application_id", "VARCHAR", description="Entra application (client) id of the service principal."),
            col("origin", "VARCHAR", description="Directory the principal comes from (aad)."),
            col("origin_id", "VARCHAR", description="Object id of the service principal in Entra ID."),
            col("domain", "VARCHAR", description="Entra tenant id the service principal lives in."),
            col("meta_type", "VARCHAR", description="Graph meta type of the principal."),
            col("subject_kind", "VARCHAR", description="Graph subject kind (servicePrincipal)."),
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
            col("descriptor", "VARCHAR", description="The group's graph subject descriptor (vssgp.* or aadgp.*)."),
            col("display_name", "VARCHAR", description="Group name without scope, e.g. Project Administrators."),
            col("principal_name", "VARCHAR", description="[scope]\\name, e.g. [contoso]\\Project Collection "
                "Administrators."),
            col("description", "VARCHAR", description="Group description."),
            col("domain", "VARCHAR",
                description="vstfs:///Classification/TeamProject/<projectId> for a project's groups."),
            col("origin", "VARCHAR", description="vsts (Azure DevOps group) or aad (Entra ID group)."),
            col("origin_id", "VARCHAR",
                description="Group id in its origin: the Azure DevOps group id, or the Entra object id."),
            col("mail_address", "VARCHAR",
                description="Mail address of the group (Entra groups; usually NULL for Azure DevOps groups)."),
            col("group_kind", "VARCHAR", _kind("descriptor"), "Descriptor prefix: vssgp or aadgp."),
            col("project_id", "VARCHAR", lambda item, _c: project_id_from_domain(item.get("domain")),
                "The project of a project-level group; NULL for organization-level groups."),
            col("is_collection_admins", "BOOLEAN", _named(COLLECTION_ADMINS),
                "True for the Project Collection Administrators group."),
            col("is_project_admins", "BOOLEAN", _named(PROJECT_ADMINS),
                "True for a project's Project Administrators group."),
            col("is_build_service_accounts", "BOOLEAN", _named(BUILD_SERVICE_ACCOUNTS),
                "True for the Project Collection Build Service Accounts group."),
            col("is_service_accounts", "BOOLEAN", _named(SERVICE_ACCOUNT_GROUPS),
                "True for Project Collection Service Accounts or Enterprise Service Accounts."),
            col("is_admin_group", "BOOLEAN", _named(ADMIN_GROUPS),
                "True for a group whose members administer the organization, its builds or a project."),
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
            col("container_descriptor", "VARCHAR",
                description="Graph descriptor of the group (join to groups.descriptor)."),
            ctx("container_name", description="The group's display name."),
            ctx("container_principal_name", description="The group's principal name, e.g. [Project]\\Contributors."),
            col("member_descriptor", "VARCHAR",
                description="Graph descriptor of the direct member (a user, service principal or group)."),
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
            col("group_descriptor", "VARCHAR", description="Graph descriptor of the group."),
            ctx("group_name", description="The group's display name."),
            col("member_descriptor", "VARCHAR",
                description="Graph descriptor of a member, direct or through nested groups."),
            col("member_kind", "VARCHAR", _kind("memberDescriptor"),
                "Member descriptor prefix: aad/msa/svc (user), aadsp (service principal), vssgp/aadgp (group)."),
            col("depth", "BIGINT",
                description="Nesting steps from the group to the member along the shortest path; 1 = direct member."),
            col("path", "JSON", description="Descriptors from the group down to the member."),
            col("is_direct", "BOOLEAN", lambda item, _c: item["depth"] == 1,
                "True when the member is a direct member of the group (depth 1)."),
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
            col("user_descriptor", "VARCHAR", "user.descriptor",
                "The user's graph descriptor (join to users.descriptor)."),
            col("principal_name", "VARCHAR", "user.principalName", "Sign-in name, usually the UPN or e-mail address."),
            col("display_name", "VARCHAR", "user.displayName", "The user's display name."),
            col("mail_address", "VARCHAR", "user.mailAddress", "The user's e-mail address."),
            col("origin", "VARCHAR", "user.origin", "aad, msa or vsts."),
            col("origin_id", "VARCHAR", "user.originId", "Object id in the origin directory."),
            col("user_type", "VARCHAR", "user.metaType", "member or guest (an Entra guest user)."),
            col("license_type", "VARCHAR", "accessLevel.accountLicenseType",
                "Access level: express = Basic, advanced = Basic + Test Plans, stakeholder, none, ..."),
            col("license_display_name", "VARCHAR", "accessLevel.licenseDisplayName",
                "Access level as shown in the UI, e.g. Basic, Stakeholder."),
            col("licensing_source", "VARCHAR", "accessLevel.licensingSource",
                "Where the license comes from: account, msdn, ... (accessLevel.licensingSource)."),
            col("license_status", "VARCHAR", "accessLevel.status",
                "active, pending, disabled, expired, ... (accessLevel.status)."),
            col("assignment_source", "VARCHAR", "accessLevel.assignmentSource",
                "How the access level was assigned: unknown (directly) or groupRule."),
            col("last_accessed_date", "TIMESTAMP", description="When the user last signed in (UTC); NULL when never."),
            col("date_created", "TIMESTAMP", description="When the user was added to the organization (UTC)."),
            col("project_entitlements", "JSON",
                description="Per-project access: project, project group and whether it is inherited."),
            col("group_assignments", "JSON", description="Group rules the user receives access and licenses through."),
            col("extensions", "JSON", description="Extensions (paid add-ons) assigned to the user."),
        ),
        required_scope="vso.memberentitlementmanagement",
        ignore_in_history=("lastAccessedDate",),
        audit_actions=("Licensing.", "Group."),
    ),
)
