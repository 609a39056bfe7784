"""Permissions and credentials: security namespaces, access control entries and personal access tokens."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from resmo_pipeline.azure_devops import AzureDevOpsError, Endpoint, Paging
from resmo_pipeline.catalog.common import dig
from resmo_pipeline.catalog.model import FanOut, FetchContext, Record, ResourceType, col, ctx

AREA = "security"

SECURITY_NAMESPACES = Endpoint(
    host="dev.azure.com", path="_apis/securitynamespaces", api_version="7.1", scope="vso.security_manage",
)
ACCESS_CONTROL_LISTS = Endpoint(
    host="dev.azure.com", path="_apis/accesscontrollists/{securityNamespaceId}", api_version="7.1",
    params={"includeExtendedInfo": "true", "recurse": "true"}, scope="vso.security_manage",
)
IDENTITIES = Endpoint(
    host="vssps.dev.azure.com", path="_apis/identities", api_version="7.1",
    params={"queryMembership": "None"}, scope="vso.identity",
)
PERSONAL_ACCESS_TOKENS = Endpoint(
    host="vssps.dev.azure.com", path="_apis/tokenadmin/personalaccesstokens/{subjectDescriptor}",
    api_version="7.1-preview.1", paging=Paging.BODY_TOKEN, params={"isPublic": "false"}, page_size=100,
    page_size_param="pageSize", scope="vso.tokenadministration",
)

#: Identity descriptors resolved per identities call (they are long; keep the URL well under limits).
IDENTITY_BATCH = 25


def _aces(acl: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """One item per access control entry, carrying its list's token and inheritance flag; a list without entries
    is one item without a descriptor, since its inheritPermissions still cuts what its token inherits."""
    entries = (acl.get("acesDictionary") or {}).values()
    for ace in entries:
        yield {"token": acl.get("token"), "inheritPermissions": acl.get("inheritPermissions"), **ace}
    if not entries:
        yield {"token": acl.get("token"), "inheritPermissions": acl.get("inheritPermissions")}


def _resolve_identities(fc: FetchContext, records: list[Record]) -> list[Record]:
    """Names the identity behind each entry's legacy descriptor (identities API, in batches)."""
    descriptors = sorted({item["descriptor"] for item, _ in records if item.get("descriptor")})
    batches = [descriptors[i:i + IDENTITY_BATCH] for i in range(0, len(descriptors), IDENTITY_BATCH)]

    def lookup(batch: list[str]) -> list[Any]:
        return fc.client.list(IDENTITIES, params={"descriptors": ",".join(batch)})

    try:
        found = [identity for result in fc.client.map(lookup, batches) for identity in result if identity]
    except AzureDevOpsError as error:
        fc.warnings.append(f"identities not resolved: the identities API refused ({error.status})")
        found = []
    by_descriptor = {identity.get("descriptor"): identity for identity in found}
    for item, context in records:
        identity = by_descriptor.get(item.get("descriptor")) or {}
        context.update(
            identity_id=identity.get("id"),
            identity_subject_descriptor=identity.get("subjectDescriptor"),
            identity_display_name=identity.get("providerDisplayName"),
            identity_account=dig(identity, "properties.Account.$value"),
            identity_is_group=_is_group(identity),
        )
    return records


def _is_group(identity: Mapping[str, Any]) -> bool | None:
    if not identity:
        return None
    return bool(identity.get("isContainer")) or dig(identity, "properties.SchemaClassName.$value") == "Group"


def _can_own_tokens(user: Mapping[str, Any]) -> bool:
    return user.get("user_kind") in {"aad", "msa"}


TYPES = (
    ResourceType(
        name="security_namespaces",
        area=AREA,
        description="Security namespaces and their permission bits (decode access control entries with these).",
        endpoint=SECURITY_NAMESPACES,
        scope="organization",
        key=("namespace_id",),
        columns=(
            col("namespace_id", "VARCHAR",
                description="Security namespace id (GUID; join to access_control_lists.namespace_id)."),
            col("name", "VARCHAR", description="Namespace name, e.g. Git Repositories, Project, Build."),
            col("display_name", "VARCHAR", description="Namespace name as shown in the UI."),
            col("separator_value", "VARCHAR", description="Character separating the parts of a token, e.g. / or :."),
            col("element_length", "BIGINT", description="Fixed length of each token part (-1 when the parts vary)."),
            col("read_permission", "BIGINT", description="Permission bit that grants read in this namespace."),
            col("write_permission", "BIGINT", description="Permission bit that grants write in this namespace."),
            col("structure_value", "BIGINT",
                description="Bit mask describing how the namespace's tokens are structured."),
            col("dataspace_category", "VARCHAR",
                description="Storage category of the namespace's data, e.g. Default, Git."),
            col("is_remotable", "BOOLEAN",
                description="True when another service may proxy the namespace (isRemotable)."),
            col("actions", "JSON", description="Permissions of the namespace: [{bit, name, displayName}]."),
        ),
        required_scope="vso.security_manage",
        audit_actions=("Security.",),
    ),
    ResourceType(
        name="access_control_lists",
        area=AREA,
        description="Access control entries: one row per (namespace, token, identity) with allow/deny bits "
        "and effective/inherited bits; the identity is resolved through the identities API where possible. A "
        "list without entries is one row with descriptor NULL: its inherit_permissions still counts.",
        endpoint=ACCESS_CONTROL_LISTS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="security_namespaces",
                path_params={"securityNamespaceId": "namespace_id"},
                context={"namespace_id": "namespace_id", "namespace_name": "name"},
            ),
        ),
        key=("namespace_id", "token", "descriptor"),
        columns=(
            ctx("namespace_id",
                description="Security namespace of the entry (join to security_namespaces.namespace_id)."),
            ctx("namespace_name", description="Name of that namespace."),
            col("token", "VARCHAR", description="The secured object, e.g. repoV2/{projectId}/{repositoryId}."),
            col("inherit_permissions", "BOOLEAN",
                description="True when the token also inherits entries from its parent token."),
            col("descriptor", "VARCHAR",
                description="Legacy identity descriptor the entry is for (Microsoft.TeamFoundation.Identity;...)."),
            col("allow", "BIGINT",
                description="Permission bits explicitly allowed to the identity (see security_namespaces.actions)."),
            col("deny", "BIGINT", description="Permission bits explicitly denied to the identity."),
            col("effective_allow", "BIGINT", "extendedInfo.effectiveAllow",
                "Bits allowed in effect, including inherited entries (extendedInfo.effectiveAllow)."),
            col("effective_deny", "BIGINT", "extendedInfo.effectiveDeny",
                "Bits denied in effect, including inherited entries (extendedInfo.effectiveDeny)."),
            col("inherited_allow", "BIGINT", "extendedInfo.inheritedAllow",
                "Bits allowed through the parent token (extendedInfo.inheritedAllow)."),
            col("inherited_deny", "BIGINT", "extendedInfo.inheritedDeny",
                "Bits denied through the parent token (extendedInfo.inheritedDeny)."),
            ctx("identity_id",
                description="Identity id behind the descriptor (identities API; NULL when not resolved)."),
            ctx("identity_subject_descriptor",
                description="Graph descriptor of the identity (join to users/groups.descriptor)."),
            ctx("identity_display_name", description="The identity's display name (NULL when not resolved)."),
            ctx("identity_account", description="Account name, e.g. [org]\\Project Collection Valid Users."),
            ctx("identity_is_group", "BOOLEAN",
                description="True when the identity is a group; NULL when not resolved."),
        ),
        required_scope="vso.security_manage",
        explode=_aces,
        enrich=_resolve_identities,
        extra_endpoints=(IDENTITIES,),
        audit_actions=("Security.",),
    ),
    ResourceType(
        name="personal_access_tokens",
        area=AREA,
        description="Personal access tokens of every user (token administration; needs a Project Collection "
        "Administrator): scopes (app_token = full access), validity and target organizations. Token values "
        "are never returned.",
        endpoint=PERSONAL_ACCESS_TOKENS,
        scope="parent",
        fan_out=(
            FanOut(
                parent="users",
                path_params={"subjectDescriptor": "descriptor"},
                context={"user_descriptor": "descriptor", "user_principal_name": "principal_name"},
                where=_can_own_tokens,
            ),
        ),
        key=("authorization_id",),
        columns=(
            col("authorization_id", "VARCHAR",
                description="The token's authorization id (unique per token; used to revoke it)."),
            ctx("user_descriptor", description="Graph descriptor of the token's owner (join to users.descriptor)."),
            ctx("user_principal_name", description="Sign-in name of the token's owner."),
            col("display_name", "VARCHAR", description="Name the owner gave the token."),
            col("scope", "VARCHAR",
                description="Granted scopes: app_token (full access) or space-separated vso.* scopes."),
            col("is_full_access", "BOOLEAN", lambda item, _c: item.get("scope") == "app_token",
                "True when the token has full access (scope app_token)."),
            col("starts_at", "TIMESTAMP", "validFrom", "When the token became valid (UTC; usually its creation)."),
            col("expires_at", "TIMESTAMP", "validTo", "When the token expires (UTC)."),
            col("target_accounts", "JSON",
                description="Organization ids the token is limited to; NULL = all accessible organizations."),
            col("is_all_organizations", "BOOLEAN", lambda item, _c: item.get("targetAccounts") is None,
                "True when the token works in every organization the owner can reach."),
            col("is_valid", "BOOLEAN", description="True while the token is valid (not revoked)."),
            col("is_public", "BOOLEAN",
                description="True for a public-key entry (an SSH key) rather than a secret token."),
            col("user_id", "VARCHAR", description="Identity id of the token's owner."),
            col("client_id", "VARCHAR", description="OAuth application the token was issued to (all zeros for a PAT)."),
            col("source", "VARCHAR", description="Where the token came from, as the API reports it (often NULL)."),
        ),
        required_scope="vso.tokenadministration",
        audit_actions=("Token.",),
    ),
)
