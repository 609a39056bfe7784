"""Identity endpoints: graph users, groups, service principals, memberships, subject lookup, descriptors,
IMS identities, user and group entitlements and the token administration (PAT) list."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from resmo_pipeline.simulator import paging
from resmo_pipeline.simulator.data import OrgState, b64, iso
from resmo_pipeline.simulator.routes_common import VSAEX, VSSPS, route, state_of
from resmo_pipeline.simulator.routing import Handler, Route, SimRequest, SimResponse, error_response, json_response

GRAPH_PAGE = 500
ENTITLEMENTS_PAGE = 100
TOKEN_ADMIN_PAGE = 100
KIND_PATH = {"user": "Users", "group": "Groups", "servicePrincipal": "ServicePrincipals"}
LICENSE_NAMES = {"express": "Basic", "advanced": "Basic + Test Plans", "stakeholder": "Stakeholder",
                 "none": "No access", "professional": "Visual Studio Professional"}
ORDER_FIELDS = {"name": "name", "lastaccessed": "lastAccessedDate", "datecreated": "dateCreated"}
GROUP_TYPES = {"Project Administrators": "projectAdministrator", "Contributors": "projectContributor",
               "Readers": "projectReader", "Project Valid Users": "projectValidUser"}


def graph_subject(state: OrgState, subject: dict[str, Any]) -> dict[str, Any]:
    """A graph subject (user, group or service principal) as the graph API returns it."""
    descriptor = subject["descriptor"]
    body = {k: v for k, v in subject.items() if not k.startswith("_")}
    if subject["subjectKind"] == "user":
        body["legacyDescriptor"] = None
    graph = f"{state.vssps}/_apis/Graph"
    body["_links"] = {
        "self": {"href": f"{graph}/{KIND_PATH[subject['subjectKind']]}/{descriptor}"},
        "memberships": {"href": f"{graph}/Memberships/{descriptor}"},
        "membershipState": {"href": f"{graph}/MembershipStates/{descriptor}"},
        "storageKey": {"href": f"{graph}/StorageKeys/{descriptor}"},
        "avatar": {"href": f"{state.base}/_apis/GraphProfile/MemberAvatars/{descriptor}"},
    }
    body["url"] = f"{graph}/{KIND_PATH[subject['subjectKind']]}/{descriptor}"
    return body


def _subjects(request: SimRequest, kind: str) -> list[dict[str, Any]]:
    state = state_of(request)
    types = {t.strip().lower() for t in (request.param("subjectTypes") or "").split(",") if t.strip()}
    scope = request.param("scopeDescriptor")
    scope_id = _scope_id(scope) if scope else None
    chosen = []
    for subject in state.subjects.values():
        if subject["subjectKind"] != kind:
            continue
        if types and subject["descriptor"].split(".", 1)[0].lower() not in types:
            continue
        if kind == "group" and scope and subject.get("_scope") != scope_id:
            continue
        chosen.append(subject)
    return chosen


def _scope_id(scope_descriptor: str) -> str | None:
    prefix, _, encoded = scope_descriptor.partition(".")
    if prefix.lower() != "scp" or not encoded:
        return None
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except ValueError:
        return None


def _graph_list(kind: str) -> Handler:
    def handler(request: SimRequest) -> SimResponse:
        state = state_of(request)
        cache_key = ("graph", kind, request.param("subjectTypes"), request.param("scopeDescriptor"), state.revision)
        return paging.header_token(request, lambda: _subjects(request, kind), key=lambda s: s["descriptor"],
                                   render=lambda s: graph_subject(state, s), default_top=GRAPH_PAGE,
                                   max_top=GRAPH_PAGE, top_param=None, cache=(state.page_cache, cache_key))

    handler.__doc__ = f"Graph {kind}s, {GRAPH_PAGE} per page with an opaque x-ms-continuationtoken."
    return handler


def _subject_not_found(descriptor: str) -> SimResponse:
    return error_response(
        404, f"VS860018: The subject with descriptor {descriptor} could not be found.",
        "Microsoft.VisualStudio.Services.Graph.GraphSubjectNotFoundException, Microsoft.VisualStudio.Services.WebApi",
        "GraphSubjectNotFoundException",
    )


def _graph_get(param: str, kind: str) -> Handler:
    def handler(request: SimRequest) -> SimResponse:
        state = state_of(request)
        descriptor = request.path_params[param]
        subject = state.subjects.get(descriptor)
        if subject is None or subject["subjectKind"] != kind:
            return _subject_not_found(descriptor)
        return json_response(graph_subject(state, subject))

    handler.__doc__ = f"One graph {kind} by descriptor."
    return handler


def _membership(state: OrgState, container: str, member: str) -> dict[str, Any]:
    graph = f"{state.vssps}/_apis/Graph"
    return {
        "_links": {
            "self": {"href": f"{graph}/Memberships/{member}/{container}"},
            "member": {"href": f"{graph}/{KIND_PATH[state.subjects[member]['subjectKind']]}/{member}"},
            "container": {"href": f"{graph}/Groups/{container}"},
        },
        "containerDescriptor": container,
        "memberDescriptor": member,
    }


def memberships(request: SimRequest) -> SimResponse:
    """Direct memberships of a subject: `direction=up` (default, its groups) or `down` (a group's members)."""
    state = state_of(request)
    descriptor = request.path_params["subjectDescriptor"]
    if descriptor not in state.subjects:
        return _subject_not_found(descriptor)
    if (request.param("direction") or "up").lower() == "down":
        values = [_membership(state, descriptor, m) for m in state.memberships_down.get(descriptor, [])]
    else:
        values = [_membership(state, c, descriptor) for c in state.memberships_up.get(descriptor, [])]
    return paging.collection(values)


def membership_check(request: SimRequest) -> SimResponse:
    """Whether one subject is a direct member of a container (200 or 404)."""
    state = state_of(request)
    member = request.path_params["subjectDescriptor"]
    container = request.path_params["containerDescriptor"]
    if member in state.memberships_down.get(container, []):
        return json_response(_membership(state, container, member))
    return error_response(
        404, f"VS860011: The membership of {member} in {container} could not be found.",
        "Microsoft.VisualStudio.Services.Graph.GraphMembershipNotFoundException, "
        "Microsoft.VisualStudio.Services.WebApi", "GraphMembershipNotFoundException",
    )


def membership_state(request: SimRequest) -> SimResponse:
    """Whether a subject is active in the organization."""
    state = state_of(request)
    descriptor = request.path_params["subjectDescriptor"]
    if descriptor not in state.subjects:
        return _subject_not_found(descriptor)
    return json_response({"_links": {"self": {"href": f"{state.vssps}/_apis/Graph/MembershipStates/{descriptor}"}},
                          "active": True})


def subject_lookup(request: SimRequest) -> SimResponse:
    """Resolve descriptors in bulk: `value` is a dictionary keyed by descriptor (unknown ones left out)."""
    state = state_of(request)
    keys = (request.body.get("lookupKeys") if isinstance(request.body, dict) else None) or []
    found = {}
    for key in keys:
        descriptor = key.get("descriptor") if isinstance(key, dict) else None
        if descriptor in state.subjects:
            found[descriptor] = graph_subject(state, state.subjects[descriptor])
    return json_response({"count": len(found), "value": found})


def descriptor_of(request: SimRequest) -> SimResponse:
    """The descriptor of a storage key: a subject's identity id, or a project id (a `scp.` scope)."""
    state = state_of(request)
    key = request.path_params["storageKey"].lower()
    if key in state.subject_by_id:
        value = state.subject_by_id[key]
    elif state.project(key) is not None or key == state.org_id:
        value = f"scp.{b64(key)}"
    else:
        return error_response(
            404, f"VS860018: The storage key {key} could not be found.",
            "Microsoft.VisualStudio.Services.Graph.GraphSubjectNotFoundException, "
            "Microsoft.VisualStudio.Services.WebApi", "GraphSubjectNotFoundException",
        )
    return json_response({"value": value, "_links": {"self": {"href": f"{state.vssps}/_apis/Graph/Descriptors/{key}"}}})


def _prop(value: Any, kind: str = "System.String") -> dict[str, Any]:
    return {"$type": kind, "$value": value}


def identity(state: OrgState, subject: dict[str, Any], membership: str = "none") -> dict[str, Any]:
    """An IMS identity (legacy descriptor, properties as $type/$value pairs, optional direct memberships)."""
    container = subject["subjectKind"] == "group"
    body: dict[str, Any] = {
        "id": subject["_id"],
        "descriptor": subject["_legacy"],
        "subjectDescriptor": subject["descriptor"],
        "providerDisplayName": subject["principalName"] if container else subject["displayName"],
        "isActive": True,
        "isContainer": container,
        "members": [],
        "memberOf": [],
        "memberIds": [],
        "properties": {
            "SchemaClassName": _prop("Group" if container else "User"),
            "Description": _prop(subject.get("description") or ""),
            "Domain": _prop(subject["domain"]),
            "Account": _prop(subject["principalName"] if not container else subject["displayName"]),
            "Mail": _prop(subject.get("mailAddress") or ""),
            "SpecialType": _prop("Generic"),
        },
        "resourceVersion": 2,
        "metaTypeId": 255 if container else 0,
    }
    if subject["subjectKind"] == "servicePrincipal":
        body["properties"]["ApplicationId"] = _prop(subject["applicationId"])
    if membership.lower() in ("direct", "expanded"):
        body["members"] = [state.subjects[d]["_legacy"] for d in state.memberships_down.get(subject["descriptor"], [])]
        body["memberIds"] = [state.subjects[d]["_id"] for d in state.memberships_down.get(subject["descriptor"], [])]
        body["memberOf"] = [state.subjects[d]["_legacy"] for d in state.memberships_up.get(subject["descriptor"], [])]
    return body


def identities(request: SimRequest) -> SimResponse:
    """IMS identities by legacy descriptors, identity ids or subject descriptors (null for unknown ones),
    or by a General search on account or display name."""
    state = state_of(request)
    membership = request.param("queryMembership") or "None"

    def split(name: str) -> list[str]:
        return [v.strip() for v in (request.param(name) or "").split(",") if v.strip()]

    found: list[dict[str, Any] | None] = []
    if split("descriptors"):
        descriptors = [state.subject_by_legacy.get(d) or _case_insensitive(state.subject_by_legacy, d)
                       for d in split("descriptors")]
    elif split("identityIds"):
        descriptors = [state.subject_by_id.get(i.lower()) for i in split("identityIds")]
    elif split("subjectDescriptors"):
        descriptors = [d if d in state.subjects else None for d in split("subjectDescriptors")]
    elif request.param("filterValue"):
        value = (request.param("filterValue") or "").lower()
        descriptors = [d for d, s in state.subjects.items()
                       if value in (s["principalName"].lower(), s["displayName"].lower(),
                                    (s.get("mailAddress") or "").lower())]
    else:
        return error_response(
            400, "A filter (descriptors, identityIds, subjectDescriptors or searchFilter/filterValue) is required.",
            "System.ArgumentException, mscorlib", "ArgumentException",
        )
    for descriptor in descriptors:
        found.append(identity(state, state.subjects[descriptor], membership) if descriptor else None)
    return json_response({"count": len(found), "value": found})


def _case_insensitive(index: dict[str, str], key: str) -> str | None:
    lowered = key.lower()
    return next((v for k, v in index.items() if k.lower() == lowered), None)


def _project_entitlements(state: OrgState, descriptor: str) -> list[dict[str, Any]]:
    entitlements = []
    for container in state.memberships_up.get(descriptor, []):
        group = state.subjects[container]
        project_id = group.get("_scope")
        if not project_id or group["displayName"] not in GROUP_TYPES:
            continue
        project = state.project(project_id)
        if project is None:
            continue
        entitlements.append({
            "group": {"groupType": GROUP_TYPES[group["displayName"]], "displayName": group["displayName"]},
            "projectPermissionInherited": "notSet",
            "projectRef": {"id": project["id"], "name": project["name"]},
            "teamRefs": [],
            "assignmentSource": "unknown",
        })
    return entitlements


def user_entitlement(state: OrgState, descriptor: str) -> dict[str, Any]:
    """A UserEntitlement: the graph user, access level (license), last access, creation and projects."""
    record = state.entitlements[descriptor]
    subject = state.subjects[descriptor]
    return {
        "id": subject["_id"],
        "user": graph_subject(state, subject),
        "accessLevel": {
            "licensingSource": "account",
            "accountLicenseType": record["license"],
            "msdnLicenseType": "none",
            "licenseDisplayName": LICENSE_NAMES.get(record["license"], record["license"]),
            "status": record["status"],
            "statusMessage": "",
            "assignmentSource": "unknown",
        },
        "lastAccessedDate": record["lastAccessedDate"],
        "dateCreated": record["dateCreated"],
        "projectEntitlements": _project_entitlements(state, descriptor),
        "extensions": [],
        "groupAssignments": [],
    }


def _entitlement_filter(expression: str | None) -> Callable[[OrgState, str], bool]:
    """The `$filter` grammar subset: licenseId, licenseStatus, userType, name; joined by `and`."""
    clauses = []
    for part in (expression or "").split(" and "):
        field_name, _, value = part.strip().partition(" eq ")
        if field_name:
            clauses.append((field_name.strip().lower(), value.strip().strip("'").lower()))

    def matches(state: OrgState, descriptor: str) -> bool:
        record = state.entitlements[descriptor]
        subject = state.subjects[descriptor]
        for name, value in clauses:
            if name == "licenseid" and value != f"account-{record['license']}".lower() and value != \
                    f"account-{LICENSE_NAMES.get(record['license'], '')}".lower().replace(" ", ""):
                return False
            if name == "licensestatus" and value != record["status"]:
                return False
            if name == "usertype" and value != subject["metaType"]:
                return False
            if name == "name" and value not in subject["displayName"].lower() \
                    and value not in subject["principalName"].lower():
                return False
        return True

    return matches


def user_entitlements(request: SimRequest) -> SimResponse:
    """User entitlements with the body token envelope: members, items, totalCount, continuationToken."""
    state = state_of(request)
    matches = _entitlement_filter(request.param("$filter"))

    def selected() -> list[dict[str, Any]]:
        return [{"d": d} for d in state.entitlements if d in state.subjects and matches(state, d)]

    order = (request.param("$orderBy") or "name asc").split()
    field_name = ORDER_FIELDS.get(order[0].lower() if order else "name")
    if field_name is None:
        return error_response(400, f"The $orderBy value '{request.param('$orderBy')}' is not supported. Use name, "
                                   "lastAccessed or dateCreated, optionally followed by asc or desc.",
                              "System.ArgumentException, mscorlib", "ArgumentException")
    reverse = len(order) > 1 and order[1].lower() == "desc"
    cache = (state.page_cache, ("entitlements", request.param("$filter"), field_name, reverse, state.revision))

    def key(item: dict[str, Any]) -> tuple[Any, ...]:
        value = (state.subjects[item["d"]]["displayName"].lower() if field_name == "name"
                 else state.entitlements[item["d"]][field_name])
        return (paging.descending(value), paging.descending(item["d"])) if reverse else (value, item["d"])

    try:
        page, token = paging.body_token(request, selected, key=key, size=ENTITLEMENTS_PAGE, cache=cache)
    except paging.BadToken as exc:
        return exc.response
    items = [user_entitlement(state, i["d"]) for i in page]
    total = len(paging.ordered(selected, key, cache)[0])
    return json_response({"members": items, "continuationToken": token, "totalCount": total, "items": items})


def get_user_entitlement(request: SimRequest) -> SimResponse:
    """One user entitlement by user (identity) id."""
    state = state_of(request)
    descriptor = state.subject_by_id.get(request.path_params["userId"].lower())
    if descriptor is None or descriptor not in state.entitlements:
        return error_response(
            404, f"VS403283: Could not find user with id {request.path_params['userId']}.",
            "Microsoft.VisualStudio.Services.MemberEntitlementManagement.WebApi.UserEntitlementNotFoundException, "
            "Microsoft.VisualStudio.Services.MemberEntitlementManagement.WebApi",
            "UserEntitlementNotFoundException",
        )
    return json_response(user_entitlement(state, descriptor))


def group_entitlements(request: SimRequest) -> SimResponse:
    """Group rules: Entra groups that assign an access level to their members."""
    state = state_of(request)
    values = []
    for rule in state.group_entitlements:
        subject = state.subjects[rule["_group"]]
        values.append({
            "id": subject["_id"],
            "group": graph_subject(state, subject),
            "licenseRule": {"licensingSource": "account", "accountLicenseType": rule["license"],
                            "msdnLicenseType": "none", "licenseDisplayName": LICENSE_NAMES[rule["license"]],
                            "status": "active", "statusMessage": "", "assignmentSource": "groupRule"},
            "extensionRules": [],
            "projectEntitlements": [],
            "members": [],
            "status": "applied",
            "lastExecuted": rule["lastExecuted"],
        })
    return paging.collection(values)


def token_admin_pats(request: SimRequest) -> SimResponse:
    """The PATs of one user (token administration): `{value, continuationToken}` with pageSize paging."""
    state = state_of(request)
    descriptor = request.path_params["subjectDescriptor"]
    if descriptor not in state.subjects:
        return _subject_not_found(descriptor)
    public = (request.param("isPublic") or "false").lower() == "true"
    tokens: list[dict[str, Any]] = [] if public else state.pats.get(descriptor, [])
    try:
        size = int(request.param("pageSize") or TOKEN_ADMIN_PAGE)
        # One user's few tokens, read once per user in a crawl: sorting them is cheaper than caching 30,000 views.
        page, token = paging.body_token(request, tokens, key=lambda t: t["authorizationId"], size=size)
    except paging.BadToken as exc:
        return exc.response
    except ValueError:
        return paging.bad_parameter("pageSize", request.param("pageSize"))
    return json_response({"value": page, "continuationToken": token})


def own_pats(request: SimRequest) -> SimResponse:
    """The caller's own PATs (PAT lifecycle API): `{continuationToken, patTokens}`, "" on the last page."""
    state = state_of(request)
    option = (request.param("displayFilterOption") or "active").lower()
    now = iso(datetime.now(UTC))

    def shown(token: dict[str, Any]) -> bool:
        expired = token["validTo"] < now
        return option == "all" or (option == "expired" and expired) or (option == "active" and not expired)

    tokens = [{"displayName": t["displayName"], "validTo": t["validTo"], "scope": t["scope"],
               "targetAccounts": t["targetAccounts"], "validFrom": t["validFrom"],
               "authorizationId": t["authorizationId"], "token": None}
              for t in state.pats.get(request.identity.get("descriptor", ""), []) if shown(t)]
    try:
        size = int(request.param("$top") or TOKEN_ADMIN_PAGE)
        page, token = paging.body_token(request, tokens, key=lambda t: t["authorizationId"], size=size)
    except paging.BadToken as exc:
        return exc.response
    except ValueError:
        return paging.bad_parameter("$top", request.param("$top"))
    return json_response({"continuationToken": token or "", "patTokens": page})


USERS_LOCATION = ("graph", "users", "005e26ec-6b77-4e4f-a986-b3827bf241f5", 1)
GROUPS_LOCATION = ("graph", "groups", "ebbe6af8-0b91-4c13-8cf1-777c14858188", 1)
SPS_LOCATION = ("graph", "servicePrincipals", "e1dbb0ae-49cb-4532-95a1-86cd89cfcab4", 1)
MEMBERSHIPS_LOCATION = ("graph", "memberships", "e34b6394-6b30-4435-94a9-409a5eef3e31", 1)

ROUTES: list[Route] = [
    route("GET", VSSPS, "_apis/graph/users", _graph_list("user"), "vso.graph", preview=True,
          location=USERS_LOCATION),
    route("GET", VSSPS, "_apis/graph/users/{userDescriptor}", _graph_get("userDescriptor", "user"), "vso.graph",
          preview=True, location=USERS_LOCATION),
    route("GET", VSSPS, "_apis/graph/groups", _graph_list("group"), "vso.graph", preview=True,
          location=GROUPS_LOCATION),
    route("GET", VSSPS, "_apis/graph/groups/{groupDescriptor}", _graph_get("groupDescriptor", "group"),
          "vso.graph", preview=True, location=GROUPS_LOCATION),
    route("GET", VSSPS, "_apis/graph/serviceprincipals", _graph_list("servicePrincipal"), "vso.graph",
          preview=True, location=SPS_LOCATION),
    route("GET", VSSPS, "_apis/graph/serviceprincipals/{servicePrincipalDescriptor}",
          _graph_get("servicePrincipalDescriptor", "servicePrincipal"), "vso.graph", preview=True,
          location=SPS_LOCATION),
    route("GET", VSSPS, "_apis/graph/memberships/{subjectDescriptor}", memberships, "vso.graph", preview=True,
          location=MEMBERSHIPS_LOCATION),
    route("GET", VSSPS, "_apis/graph/memberships/{subjectDescriptor}/{containerDescriptor}", membership_check,
          "vso.graph", preview=True, location=("graph", "memberships", "3fd2e6ca-fb30-443a-b579-95b19ed0934c", 1)),
    route("GET", VSSPS, "_apis/graph/membershipstates/{subjectDescriptor}", membership_state, "vso.graph",
          preview=True, location=("graph", "membershipStates", "1ffe5c94-1144-4191-907b-d0211cad36a8", 1)),
    route("POST", VSSPS, "_apis/graph/subjectlookup", subject_lookup, "vso.graph", preview=True,
          location=("graph", "subjectLookup", "4dd4d168-11f2-48c4-83e8-756fa0de027c", 1)),
    route("GET", VSSPS, "_apis/graph/descriptors/{storageKey}", descriptor_of, "vso.graph", preview=True,
          location=("graph", "descriptors", "048aee0a-7072-4cde-ab73-7af77b1e0b4e", 1)),
    route("GET", VSSPS, "_apis/identities", identities, "vso.identity"),
    route("GET", VSAEX, "_apis/userentitlements", user_entitlements, "vso.memberentitlementmanagement"),
    route("GET", VSAEX, "_apis/userentitlements/{userId}", get_user_entitlement, "vso.memberentitlementmanagement"),
    route("GET", VSAEX, "_apis/groupentitlements", group_entitlements, "vso.memberentitlementmanagement"),
    route("GET", VSSPS, "_apis/tokenadmin/personalaccesstokens/{subjectDescriptor}", token_admin_pats,
          "vso.tokenadministration"),
    route("GET", VSSPS, "_apis/tokens/pats", own_pats, "vso.tokens", preview=True),
]
