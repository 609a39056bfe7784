"""Organization-wide endpoints: security namespaces and ACLs, audit log and streams, feeds and feed
permissions, installed extensions, and the internal organization-policy and Entra data providers."""

from __future__ import annotations

import bisect
import re
from datetime import UTC, datetime
from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.data import (
    ORG_POLICY_DESCRIPTIONS,
    SECURITY_NAMESPACES,
    OrgState,
    action_display_name,
    iso,
)
from resmo_pipeline.simulator.routes_common import AUDIT, DEV, EXTMGMT, FEEDS, optional_project, route, state_of, truthy
from resmo_pipeline.simulator.routing import Route, SimRequest, SimResponse, error_response, json_response

AUDIT_BATCH_DEFAULT = 200
POLICY_PROVIDER = "ms.vss-admin-web.organization-policies-data-provider"
HIERARCHY_POLICY_PROVIDER = "ms.vss-org-web.collection-admin-policy-data-provider"
PIPELINE_SETTINGS_PROVIDER = "ms.vss-build-web.pipelines-org-settings-data-provider"
AAD_PROVIDER = "ms.vss-admin-web.organization-admin-aad-data-provider"


def _namespace(ns_name: str, ns_id: str, actions: list[str]) -> dict[str, Any]:
    return {
        "namespaceId": ns_id,
        "name": ns_name,
        "displayName": ns_name,
        "separatorValue": "/",
        "elementLength": -1,
        "writePermission": 2 if len(actions) > 1 else 1,
        "readPermission": 1,
        "dataspaceCategory": "Default",
        "actions": [{"bit": 1 << i, "name": action,
                     "displayName": action_display_name(ns_name, action),
                     "namespaceId": ns_id} for i, action in enumerate(actions)],
        "structureValue": 1,
        "extensionType": None,
        "isRemotable": False,
        "useTokenTranslator": False,
        "systemBitMask": 0,
    }


NAMESPACES = [_namespace(*entry) for entry in SECURITY_NAMESPACES]


def security_namespaces(request: SimRequest) -> SimResponse:
    """Every security namespace with its action bits (or one, by id)."""
    wanted = (request.path_params.get("securityNamespaceId") or "").lower()
    if wanted == "00000000-0000-0000-0000-000000000000":
        wanted = ""
    items = [ns for ns in NAMESPACES if not wanted or ns["namespaceId"] == wanted]
    return paging.collection(items)


def _token_key(token: str) -> str:
    return token.rstrip("/").lower()


def _extended_info(acls: list[dict[str, Any]], acl: dict[str, Any], descriptor: str) -> dict[str, int]:
    """The identity's inherited and effective bits on the list's token, as AceExtendedInformation defines them:
    inherited = what the closest parent tokens (by "/") set for this same identity, for bits the entry does not
    set itself, none when the list does not inherit; effective = the entry's own bits plus the inherited ones.
    On one token deny wins over allow. Group memberships do not count (the entry is one identity's)."""
    by_token = {_token_key(a["token"]): a for a in acls}
    ace = acl["acesDictionary"][descriptor]
    allow, deny = ace.get("allow", 0), ace.get("deny", 0)
    inherited_allow = inherited_deny = 0
    decided = allow | deny
    parts = _token_key(acl["token"]).split("/")
    current = acl
    for end in range(len(parts) - 1, 0, -1):
        if not current.get("inheritPermissions", True):
            break
        parent = by_token.get("/".join(parts[:end]))
        if parent is None:
            continue
        current = parent
        entry = parent["acesDictionary"].get(descriptor)
        if entry:
            new_deny = entry.get("deny", 0) & ~decided
            new_allow = entry.get("allow", 0) & ~decided & ~new_deny
            inherited_allow, inherited_deny = inherited_allow | new_allow, inherited_deny | new_deny
            decided |= new_allow | new_deny
    info = {"effectiveAllow": (allow & ~deny) | inherited_allow, "effectiveDeny": deny | inherited_deny,
            "inheritedAllow": inherited_allow, "inheritedDeny": inherited_deny}
    # Like the service (EmitDefaultValue = false), zero values are left out.
    return {name: value for name, value in info.items() if value}


def access_control_lists(request: SimRequest) -> SimResponse:
    """ACLs of a namespace; `token` (+ `recurse`), `descriptors` and `includeExtendedInfo` filters."""
    state = state_of(request)
    namespace_id = request.path_params["securityNamespaceId"].lower()
    token = request.param("token")
    recurse = truthy(request.param("recurse"))
    extended = truthy(request.param("includeExtendedInfo"))
    descriptors = {d.strip().lower() for d in (request.param("descriptors") or "").split(",") if d.strip()}
    values = []
    for acl in state.acls.get(namespace_id, []):
        if token is not None and not (acl["token"] == token or (recurse and acl["token"].startswith(token))):
            continue
        aces = {}
        for key, ace in acl["acesDictionary"].items():
            if descriptors and key.lower() not in descriptors:
                continue
            entry = {k: v for k, v in ace.items() if k != "extendedInfo"}
            if extended:
                entry["extendedInfo"] = _extended_info(state.acls.get(namespace_id, []), acl, key)
            aces[key] = entry
        values.append({"inheritPermissions": acl["inheritPermissions"], "token": acl["token"],
                       "acesDictionary": aces, "includeExtendedInfo": extended})
    return paging.collection(values)


def _bound(value: str | None) -> str | None:
    """A time parameter in the stored timestamp format, so bounds compare as strings."""
    if not value:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip().replace(" ", "+").replace("Z", "+00:00"))
    moment = datetime.fromisoformat(text)
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _timestamp(key: tuple[str, str]) -> str:
    return key[0]


def audit_log(request: SimRequest) -> SimResponse:
    """Audit entries oldest first inside [startTime, endTime]; `batchSize` (default 200), body token + hasMore."""
    state = state_of(request)
    try:
        start = _bound(request.param("startTime"))
        end = _bound(request.param("endTime"))
        size = int(request.param("batchSize") or AUDIT_BATCH_DEFAULT)
    except ValueError:
        return error_response(400, "The startTime, endTime or batchSize parameter is not valid.",
                              "System.ArgumentException, mscorlib", "ArgumentException")

    def window(keys: list[tuple[str, str]]) -> tuple[int, int]:
        """The index range of entries inside [startTime, endTime] (keys are sorted by timestamp first)."""
        lo = 0 if start is None else bisect.bisect_left(keys, start, key=_timestamp)
        hi = len(keys) if end is None else bisect.bisect_right(keys, end, key=_timestamp)
        return lo, hi

    try:
        page, token = paging.body_token(request, state.audit_log, key=lambda e: (e["timestamp"], e["id"]),
                                        size=max(size, 1), cache=paging.cache_for(state, "audit_log"), window=window)
    except paging.BadToken as exc:
        return exc.response
    return json_response({"decoratedAuditLogEntries": page, "continuationToken": token, "hasMore": token is not None})


def audit_streams(request: SimRequest) -> SimResponse:
    """Audit streams (SIEM export) with their status."""
    return paging.collection(state_of(request).audit_streams)


def _feeds(request: SimRequest, project: dict[str, Any] | None) -> list[dict[str, Any]]:
    state = state_of(request)
    return [f for f in state.feeds
            if (f["project"] is None if project is None else (f["project"] or {}).get("id") == project["id"])]


def feeds(request: SimRequest) -> SimResponse:
    """Feeds: organization-scoped ones at the organization, project-scoped ones under their project."""
    project, error = optional_project(request)
    return error or paging.collection(_feeds(request, project))


def feed_permissions(request: SimRequest) -> SimResponse:
    """Roles on a feed (reader, contributor, collaborator, administrator)."""
    project, error = optional_project(request)
    if error:
        return error
    key = request.path_params["feedId"].lower()
    for feed in _feeds(request, project):
        if key in (feed["id"], feed["name"].lower()):
            return paging.collection(state_of(request).feed_permissions[feed["id"]])
    return error_response(404, f"Feed with id '{key}' doesn't exist.",
                          "Microsoft.VisualStudio.Services.Feed.WebApi.FeedIdNotFoundException, "
                          "Microsoft.VisualStudio.Services.Feed.WebApi", "FeedIdNotFoundException")


def feed_global_permissions(request: SimRequest) -> SimResponse:
    """Who may create feeds and administer the feed service."""
    return paging.collection(state_of(request).feed_global_permissions)


def installed_extensions(request: SimRequest) -> SimResponse:
    """Installed extensions with their scopes, flags, publish dates and contributions."""
    return paging.collection(state_of(request).extensions)


def _policy_groups(state: OrgState) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {"applicationConnection": [], "security": [], "user": [], "privacy": []}
    for name, value in state.org_policies.items():
        group, description = ORG_POLICY_DESCRIPTIONS[name]
        groups[group].append({
            "policy": {"name": name, "value": value, "effectiveValue": value, "isValueUndefined": False,
                       "parentPolicy": None},
            "description": description,
            "learnMoreLink": "https://aka.ms/vsts-org-policies",
            "applicableServiceHost": 1,
        })
    return groups


def organization_policy_page(request: SimRequest) -> SimResponse:
    """Internal: the organization-policy settings page's data (`_settings/organizationPolicy?__rt=fps&__ver=2`)."""
    state = state_of(request)
    return json_response({"fps": {"dataProviders": {"data": {POLICY_PROVIDER: {"policies": _policy_groups(state)}}},
                                  "dataProviderSharedData": {}}})


def organization_aad_page(request: SimRequest) -> SimResponse:
    """Internal: the Entra connection of the organization (`_settings/organizationAad?__rt=fps&__ver=2`)."""
    state = state_of(request)
    tenant = {"domain": f"{state.organization}.onmicrosoft.com", "displayName": f"{state.organization} tenant",
              "id": state.tenant_id}
    return json_response({"fps": {"dataProviders": {"data": {AAD_PROVIDER: {"orgnizationTenantData": tenant}}}}})


def hierarchy_query(request: SimRequest) -> SimResponse:
    """Internal: data providers by contribution id (organization policies, organization pipeline settings)."""
    state = state_of(request)
    ids = (request.body.get("contributionIds") if isinstance(request.body, dict) else None) or []
    providers: dict[str, Any] = {}
    for contribution in ids:
        if contribution == HIERARCHY_POLICY_PROVIDER:
            providers[contribution] = {"policies": _policy_groups(state)}
        elif contribution == PIPELINE_SETTINGS_PROVIDER:
            providers[contribution] = dict(state.org_pipeline_settings)
        elif contribution == AAD_PROVIDER:
            providers[contribution] = {"orgnizationTenantData": {"id": state.tenant_id}}
    return json_response({"dataProviderSharedData": {}, "dataProviders": providers})


ROUTES: list[Route] = [
    route("GET", DEV, "_apis/securitynamespaces", security_namespaces, "vso.security_manage"),
    route("GET", DEV, "_apis/securitynamespaces/{securityNamespaceId}", security_namespaces, "vso.security_manage"),
    route("GET", DEV, "_apis/accesscontrollists/{securityNamespaceId}", access_control_lists, "vso.security_manage"),
    route("GET", AUDIT, "_apis/audit/auditlog", audit_log, "vso.auditlog", preview=True),
    route("GET", AUDIT, "_apis/audit/streams", audit_streams, "vso.auditlog", preview=True),
    route("GET", FEEDS, "_apis/packaging/feeds", feeds, "vso.packaging"),
    route("GET", FEEDS, "{project}/_apis/packaging/feeds", feeds, "vso.packaging"),
    route("GET", FEEDS, "_apis/packaging/feeds/{feedId}/permissions", feed_permissions, "vso.packaging"),
    route("GET", FEEDS, "{project}/_apis/packaging/feeds/{feedId}/permissions", feed_permissions, "vso.packaging"),
    route("GET", FEEDS, "_apis/packaging/globalpermissions", feed_global_permissions, "vso.packaging"),
    route("GET", EXTMGMT, "_apis/extensionmanagement/installedextensions", installed_extensions, "vso.extension",
          preview=True),
    route("GET", DEV, "_settings/organizationPolicy", organization_policy_page, ""),
    route("GET", DEV, "_settings/organizationAad", organization_aad_page, ""),
    route("POST", DEV, "_apis/Contribution/HierarchyQuery", hierarchy_query, "", preview=True),
]
