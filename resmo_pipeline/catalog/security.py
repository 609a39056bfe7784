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
            col("namespace_id", "VARCHAR"),
            col("name", "VARCHAR"),
            col("display_name", "VARCHAR"),
            col("separator_value", "VARCHAR"),
            col("element_length", "BIGINT"),
            col("read_permission", "BIGINT"),
            col("write_permission", "BIGINT"),
            col("structure_value", "BIGINT"),
            col("dataspace_category", "VARCHAR"),
            col("is_remotable", "BOOLEAN"),
            col("actions", "JSON", description="[{bit, name, displayName}]."),
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
            ctx("namespace_id"),
            ctx("namespace_name"),
            col("token", "VARCHAR", description="The secured object, e.g. repoV2/{projectId}/{repositoryId}."),
            col("inherit_permissions", "BOOLEAN"),
            col("descriptor", "VARCHAR", description="Identity descriptor (Microsoft.TeamFoundation.Identity;...)."),
            col("allow", "BIGINT"),
            col("deny", "BIGINT"),
            col("effective_allow", "BIGINT", "extendedInfo.effectiveAllow"),
            col("effective_deny", "BIGINT", "extendedInfo.effectiveDeny"),
            col("inherited_allow", "BIGINT", "extendedInfo.inheritedAllow"),
            col("inherited_deny", "BIGINT", "extendedInfo.inheritedDeny"),
            ctx("identity_id"),
            ctx("identity_subject_descriptor", description="Graph descriptor (join to users/groups)."),
            ctx("identity_display_name"),
            ctx("identity_account"),
            ctx("identity_is_group", "BOOLEAN"),
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
            col("authorization_id", "VARCHAR"),
            ctx("user_descriptor"),
            ctx("user_principal_name"),
            col("display_name", "VARCHAR"),
            col("scope", "VARCHAR", description="app_token (full access) or space-separated vso.* scopes."),
            col("is_full_access", "BOOLEAN", lambda item, _c: item.get("scope") == "app_token"),
            col("starts_at", "TIMESTAMP", "validFrom", "When the token became valid (usually its creation)."),
            col("expires_at", "TIMESTAMP", "validTo", "When the token expires."),
            col("target_accounts", "JSON", description="NULL = valid for all accessible organizations."),
            col("is_all_organizations", "BOOLEAN", lambda item, _c: item.get("targetAccounts") is None),
            col("is_valid", "BOOLEAN"),
            col("is_public", "BOOLEAN"),
            col("user_id", "VARCHAR"),
            col("client_id", "VARCHAR"),
            col("source", "VARCHAR"),
        ),
        required_scope="vso.tokenadministration",
        audit_actions=("Token.",),
    ),
)
