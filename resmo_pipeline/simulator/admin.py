"""Changes over time: `POST {base_url}/_simulator/changes` mutates the organization and appends the audit entry
the real service would write for that change.

Body: `{"action": <name>, ...parameters, "actor": <principal name, optional: the organization owner>}`.
Answer: `{"action", "result", "auditEntry"}`; 400 for an unknown action or a missing parameter, 404 when the
named project, resource, group or member does not exist. Actions (parameters → audit actionId):

- grant_all_pipelines / revoke_all_pipelines (project, resource_type, resource): resource_type endpoint →
  Library.ServiceConnectionModified, variablegroup → Library.VariableGroupModified, securefile →
  Library.SecureFileModified, environment → Pipelines.EnvironmentModified, queue → Pipelines.AgentQueueModified,
  repository → Git.RepositoryModified; resource is a name or id.
- add_group_member / remove_group_member (group: principal name, display name or descriptor; member: principal
  name or descriptor) → Group.UpdateGroupMembership.Add / .Remove
- create_repository (project, name) → Git.RepositoryCreated
- delete_repository (project, repository) → Git.RepositoryDeleted
- set_pipeline_setting (project, setting, value) → Pipelines.ProjectSettingsModified
- make_variable_secret (project, variable, and definition or variable_group) → Pipelines.PipelineModified /
  Library.VariableGroupModified
- disable_branch_policy / enable_branch_policy (project, policy_id or repository) → Policy.PolicyConfigModified
- set_org_policy (name, value) → OrganizationPolicy.PolicyValueUpdated
- set_audit_stream (name, status: enabled | disabledByUser) → AuditLog.StreamModified
- set_permission (namespace, token, subject: a group's or user's name or descriptor, permission: the action's
  name, value: allow | deny | not_set) → Security.ModifyPermission, with the namespace, token, permission and
  subject in its data as the service writes them
- set_switches (any fields of simulator.switches.Switches, e.g. services_off {project: [repos, ...]},
  hidden_projects, entra_backed, internal_gone, internal_changed, html_routes, missing_routes; `reset: true`
  restores the defaults first) → no audit entry (it changes what the service offers, not the organization's
  data); answers the switches now in force.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from resmo_pipeline.simulator import admin_builds, routes_work_items
from resmo_pipeline.simulator.data import (
    NAMESPACE_IDS,
    ORG_POLICY_DESCRIPTIONS,
    SECURITY_NAMESPACES,
    Builder,
    OrgState,
    action_display_name,
    audit_entry,
    iso,
)
from resmo_pipeline.simulator.routing import Handler, SimRequest, SimResponse, json_response
from resmo_pipeline.simulator.switches import Switches


class ChangeError(Exception):
    """A change that cannot be applied; `status` is the HTTP answer (400 bad request, 404 not found)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Audit:
    """The audit entry a change writes."""

    action_id: str
    area: str
    category: str
    details: str
    project: dict[str, Any] | None = None
    data: dict[str, Any] | None = None


Change = Callable[[OrgState, dict[str, Any]], tuple[dict[str, Any], Audit]]

RESOURCE_AUDIT = {
    "endpoint": ("Library.ServiceConnectionModified", "Library", "service connection"),
    "variablegroup": ("Library.VariableGroupModified", "Library", "variable group"),
    "securefile": ("Library.SecureFileModified", "Library", "secure file"),
    "environment": ("Pipelines.EnvironmentModified", "Pipelines", "environment"),
    "queue": ("Pipelines.AgentQueueModified", "Pipelines", "agent queue"),
    "repository": ("Git.RepositoryModified", "Git", "repository"),
}


def _need(body: dict[str, Any], *names: str) -> list[Any]:
    missing = [n for n in names if body.get(n) in (None, "")]
    if missing:
        raise ChangeError(f"missing parameter(s): {', '.join(missing)}")
    return [body[n] for n in names]


def _project(state: OrgState, body: dict[str, Any]) -> dict[str, Any]:
    (key,) = _need(body, "project")
    project = state.project(str(key))
    if project is None:
        raise ChangeError(f"project {key!r} does not exist", 404)
    return project


def _resource(state: OrgState, project: dict[str, Any], resource_type: str, key: str) -> tuple[str, str]:
    """(resource id as pipeline permissions key it, display name) of a protected resource in a project."""
    lowered = key.lower()
    pid = project["id"]
    candidates: list[tuple[str, str]] = {
        "endpoint": lambda: [(e["id"], e["name"]) for e in state.service_endpoints
                             if any(r["projectReference"]["id"] == pid for r in e["serviceEndpointProjectReferences"])],
        "variablegroup": lambda: [(str(g["id"]), g["name"]) for g in state.variable_groups
                                  if any(r["projectReference"]["id"] == pid
                                         for r in g["variableGroupProjectReferences"])],
        "securefile": lambda: [(f["id"], f["name"]) for f in state.secure_files[pid]],
        "environment": lambda: [(str(e["id"]), e["name"]) for e in state.environments[pid]],
        "queue": lambda: [(str(q["id"]), q["name"]) for q in state.queues[pid]],
        "repository": lambda: [(f"{pid}.{r['id']}", r["name"]) for r in state.repositories
                               if r["project"]["id"] == pid],
    }.get(resource_type, lambda: [])()
    if resource_type not in RESOURCE_AUDIT:
        raise ChangeError(f"resource_type must be one of {', '.join(RESOURCE_AUDIT)}")
    for resource_id, name in candidates:
        if lowered in (resource_id.lower(), name.lower(), resource_id.split(".")[-1].lower()):
            return resource_id, name
    raise ChangeError(f"{resource_type} {key!r} does not exist in project {project['name']!r}", 404)


def _set_all_pipelines(authorized: bool) -> Change:
    def change(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
        project = _project(state, body)
        resource_type, key = _need(body, "resource_type", "resource")
        resource_type = str(resource_type).lower()
        resource_id, name = _resource(state, project, resource_type, str(key))
        permission = state.pipeline_permissions.setdefault(
            (project["id"], resource_type, resource_id.lower()),
            {"resource": {"type": resource_type, "id": resource_id, "name": name}, "pipelines": []})
        actor = state.identity_ref(_actor(state, body))
        permission["allPipelines"] = {"authorized": authorized, "authorizedBy": actor, "authorizedOn": iso(_now())}
        action_id, area, label = RESOURCE_AUDIT[resource_type]
        verb = "granted access to all pipelines" if authorized else "revoked access from all pipelines"
        return permission, Audit(action_id, area, "modify", f"The {label} {name} was {verb}.", project,
                                 {"ResourceType": resource_type, "ResourceId": resource_id, "ResourceName": name,
                                  "AllPipelinesAuthorized": authorized})

    return change


def _subject(state: OrgState, key: str, kind: str | None = None) -> dict[str, Any]:
    lowered = key.lower()
    for subject in state.subjects.values():
        if kind and subject["subjectKind"] != kind:
            continue
        if lowered in (subject["descriptor"].lower(), subject["principalName"].lower()) or (
                kind == "group" and subject["displayName"].lower() == lowered):
            return subject
    raise ChangeError(f"{kind or 'subject'} {key!r} does not exist", 404)


def _set_membership(add: bool) -> Change:
    def change(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
        group_key, member_key = _need(body, "group", "member")
        group = _subject(state, str(group_key), "group")
        member = _subject(state, str(member_key))
        changed = (state.add_membership if add else state.remove_membership)(group["descriptor"],
                                                                            member["descriptor"])
        if not changed:
            raise ChangeError(f"{member['principalName']} is {'already' if add else 'not'} a member of "
                              f"{group['principalName']}")
        project = state.project(group["_scope"]) if group.get("_scope") else None
        suffix, verb = ("Add", "added to") if add else ("Remove", "removed from")
        return ({"containerDescriptor": group["descriptor"], "memberDescriptor": member["descriptor"]},
                Audit(f"Group.UpdateGroupMembership.{suffix}", "Group", "modify",
                      f"{member['displayName']} was {verb} group {group['principalName']}.", project,
                      {"GroupName": group["principalName"], "GroupId": group["_id"],
                       "MemberDisplayName": member["displayName"], "MemberId": member["_id"]}))

    return change


def _builder(state: OrgState) -> Builder:
    import random

    builder = Builder(state, random.Random(f"admin:{len(state.audit_log)}:{len(state.repositories)}"))
    builder.people = [d for d, s in state.subjects.items() if s["subjectKind"] == "user" and s["origin"] == "aad"]
    return builder


def create_repository(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    project = _project(state, body)
    (name,) = _need(body, "name")
    if any(r["name"].lower() == str(name).lower() and r["project"]["id"] == project["id"] for r in state.repositories):
        raise ChangeError(f"repository {name!r} already exists in {project['name']!r}")
    repo = _builder(state).repository(project, str(name), branches=1)
    return repo, Audit("Git.RepositoryCreated", "Git", "create",
                       f"Created repository {name} in project {project['name']}.", project,
                       {"RepoId": repo["id"], "RepoName": name})


def delete_repository(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    project = _project(state, body)
    (key,) = _need(body, "repository")
    lowered = str(key).lower()
    repo = next((r for r in state.repositories if r["project"]["id"] == project["id"]
                 and lowered in (r["id"], r["name"].lower())), None)
    if repo is None:
        raise ChangeError(f"repository {key!r} does not exist in {project['name']!r}", 404)
    state.repositories.remove(repo)
    state.refs.pop(repo["id"], None)
    state.pipeline_permissions.pop((project["id"], "repository", f"{project['id']}.{repo['id']}"), None)
    state.policy_configurations[project["id"]] = [
        p for p in state.policy_configurations[project["id"]]
        if not all(s.get("repositoryId") == repo["id"] for s in p["settings"].get("scope", [{}]))
    ]
    return ({"id": repo["id"], "name": repo["name"]},
            Audit("Git.RepositoryDeleted", "Git", "remove",
                  f"Repository {repo['name']} was deleted from project {project['name']}.", project,
                  {"RepoId": repo["id"], "RepoName": repo["name"]}))


def set_pipeline_setting(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    project = _project(state, body)
    setting, value = _need(body, "setting", "value")
    settings = state.pipeline_settings[project["id"]]
    if setting not in settings:
        raise ChangeError(f"unknown pipeline setting {setting!r}; known: {', '.join(sorted(settings))}")
    old = settings[setting]
    settings[setting] = value
    return dict(settings), Audit("Pipelines.ProjectSettingsModified", "Pipelines", "modify",
                                 f'Pipeline setting "{setting}" changed from {old} to {value} in project '
                                 f"{project['name']}.", project,
                                 {"SettingName": setting, "OldValue": old, "NewValue": value})


def make_variable_secret(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    project = _project(state, body)
    (variable,) = _need(body, "variable")
    if body.get("definition"):
        key = str(body["definition"]).lower()
        target = next((d for d in state.build_definitions[project["id"]]
                       if key in (str(d["id"]), d["name"].lower())), None)
        label, action_id, area = "pipeline", "Pipelines.PipelineModified", "Pipelines"
    elif body.get("variable_group"):
        key = str(body["variable_group"]).lower()
        target = next((g for g in state.variable_groups if key in (str(g["id"]), g["name"].lower())
                       and any(r["projectReference"]["id"] == project["id"]
                               for r in g["variableGroupProjectReferences"])), None)
        label, action_id, area = "variable group", "Library.VariableGroupModified", "Library"
    else:
        raise ChangeError("missing parameter(s): definition or variable_group")
    if target is None:
        raise ChangeError(f"{label} {key!r} does not exist in {project['name']!r}", 404)
    if variable not in target["variables"]:
        raise ChangeError(f"{label} {target['name']!r} has no variable {variable!r}", 404)
    target["variables"][variable].update({"value": None, "isSecret": True})
    if "revision" in target:
        target["revision"] += 1
    else:
        target["modifiedOn"] = iso(_now())
    return target, Audit(action_id, area, "modify",
                         f"Variable {variable} of {label} {target['name']} was made secret.", project,
                         {"Name": target["name"], "Id": target["id"], "Variable": variable})


def _set_policy_enabled(enabled: bool) -> Change:
    def change(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
        project = _project(state, body)
        policies = state.policy_configurations[project["id"]]
        if body.get("policy_id") not in (None, ""):
            chosen = [p for p in policies if str(p["id"]) == str(body["policy_id"])]
        elif body.get("repository"):
            key = str(body["repository"]).lower()
            repo = next((r for r in state.repositories if r["project"]["id"] == project["id"]
                         and key in (r["id"], r["name"].lower())), None)
            chosen = [p for p in policies if repo and any(s.get("repositoryId") == repo["id"]
                                                          for s in p["settings"].get("scope", []))]
        else:
            raise ChangeError("missing parameter(s): policy_id or repository")
        if not chosen:
            raise ChangeError("no matching branch policy", 404)
        for policy in chosen:
            policy["isEnabled"] = enabled
            policy["revision"] += 1
        verb = "enabled" if enabled else "disabled"
        return ({"policies": [p["id"] for p in chosen], "isEnabled": enabled},
                Audit("Policy.PolicyConfigModified", "Policy", "modify",
                      f"{chosen[0]['type']['displayName']} policy {verb} in project {project['name']}.", project,
                      {"PolicyIds": [p["id"] for p in chosen], "IsEnabled": enabled}))

    return change


def set_org_policy(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    name, value = _need(body, "name", "value")
    if name not in ORG_POLICY_DESCRIPTIONS:
        raise ChangeError(f"unknown organization policy {name!r}")
    old = state.org_policies.get(name)
    state.org_policies[name] = bool(value)
    return ({"name": name, "value": bool(value)},
            Audit("OrganizationPolicy.PolicyValueUpdated", "OrganizationPolicy", "modify",
                  f'Organization policy "{ORG_POLICY_DESCRIPTIONS[name][1]}" changed from {old} to {bool(value)}.',
                  None, {"PolicyName": name, "PolicyValue": bool(value)}))


def set_audit_stream(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    name, status = _need(body, "name", "status")
    stream = next((s for s in state.audit_streams if s["displayName"].lower() == str(name).lower()), None)
    if stream is None:
        raise ChangeError(f"audit stream {name!r} does not exist", 404)
    stream["status"] = status
    stream["statusReason"] = "" if status == "enabled" else "Disabled by user"
    stream["updatedTime"] = iso(_now())
    return stream, Audit("AuditLog.StreamModified", "AuditLog", "modify",
                         f"Audit stream {stream['displayName']} status changed to {status}.", None,
                         {"StreamId": stream["id"], "Status": status})


def set_permission(state: OrgState, body: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    namespace, token, subject_key, permission, value = _need(body, "namespace", "token", "subject", "permission",
                                                             "value")
    actions = next((names for name, _, names in SECURITY_NAMESPACES if name == namespace), None)
    if actions is None:
        raise ChangeError(f"unknown security namespace {namespace!r}", 404)
    if permission not in actions:
        raise ChangeError(f"{namespace} has no permission {permission!r}; known: {', '.join(actions)}")
    if value not in ("allow", "deny", "not_set"):
        raise ChangeError("value must be allow, deny or not_set")
    subject = _subject(state, str(subject_key))
    bit = 1 << actions.index(permission)
    acls = state.acls.setdefault(NAMESPACE_IDS[namespace], [])
    acl = next((a for a in acls if a["token"].rstrip("/").lower() == str(token).rstrip("/").lower()), None)
    if acl is None:
        acl = {"inheritPermissions": True, "token": token, "acesDictionary": {}}
        acls.append(acl)
    legacy = subject["_legacy"]
    ace = acl["acesDictionary"].setdefault(legacy, {"descriptor": legacy, "allow": 0, "deny": 0})
    ace["allow"] = (ace["allow"] & ~bit) | (bit if value == "allow" else 0)
    ace["deny"] = (ace["deny"] & ~bit) | (bit if value == "deny" else 0)
    ace.pop("extendedInfo", None)  # served computed (routes_org._extended_info)
    if not ace["allow"] and not ace["deny"]:
        del acl["acesDictionary"][legacy]
    display = action_display_name(namespace, permission)
    modified_to = {"allow": "Allow", "deny": "Deny", "not_set": "Not set"}[value]
    name = subject.get("principalName") if subject["subjectKind"] == "group" else subject["displayName"]
    return ({"token": acl["token"], "descriptor": legacy, "allow": ace["allow"], "deny": ace["deny"]},
            Audit("Security.ModifyPermission", "Permissions", "modify",
                  f'Permission "{namespace}\\{display}" was set to {modified_to} for {name}.', None,
                  {"NamespaceId": NAMESPACE_IDS[namespace], "NamespaceName": namespace, "Token": acl["token"],
                   "ChangedPermission": display, "PermissionModifiedTo": modified_to,
                   "SubjectDescriptor": legacy, "SubjectDisplayName": name,
                   "EventSummary": [{"permissionNames": display, "change": modified_to,
                                     "subjectDisplayName": name}]}))


ACTIONS: dict[str, Change] = {
    **admin_builds.ACTIONS,
    "grant_all_pipelines": _set_all_pipelines(True),
    "revoke_all_pipelines": _set_all_pipelines(False),
    "add_group_member": _set_membership(True),
    "remove_group_member": _set_membership(False),
    "create_repository": create_repository,
    "delete_repository": delete_repository,
    "set_pipeline_setting": set_pipeline_setting,
    "make_variable_secret": make_variable_secret,
    "disable_branch_policy": _set_policy_enabled(False),
    "enable_branch_policy": _set_policy_enabled(True),
    "set_org_policy": set_org_policy,
    "set_audit_stream": set_audit_stream,
    "set_permission": set_permission,
}


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(state: OrgState, body: dict[str, Any]) -> str:
    if body.get("actor"):
        return _subject(state, str(body["actor"]))["descriptor"]
    return state.owner["descriptor"]


def apply_change(state: OrgState, body: dict[str, Any]) -> dict[str, Any]:
    """Apply one change and append its audit entry; raises ChangeError when it cannot be applied."""
    action = body.get("action")
    if action not in ACTIONS:
        raise ChangeError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    with state.lock:
        actor = _actor(state, body)
        result, audit = ACTIONS[action](state, body)
        entry = audit_entry(state, audit.action_id, audit.area, audit.category, audit.details, actor=actor,
                            project=audit.project, data=audit.data, when=_now())
        entry["correlationId"] = entry["activityId"] = str(uuid.uuid4())
        state.audit_log.append(entry)
        # Last: a view built while the change was half done is cached under the old revision and never used again.
        state.revision += 1
    return {"action": action, "result": result, "auditEntry": entry}


def changes(request: SimRequest) -> SimResponse:
    """`POST /_simulator/changes`: apply one change (see the module docstring for the actions)."""
    body = request.body if isinstance(request.body, dict) else {}
    if body.get("action") == "set_switches":
        return set_switches(request.state, body)
    try:
        return json_response(apply_change(request.state, body))
    except ChangeError as exc:
        return json_response({"error": str(exc), "actions": sorted(ACTIONS)}, status=exc.status)


def set_switches(state: OrgState, body: dict[str, Any]) -> SimResponse:
    """The `set_switches` action: change what the service offers (see simulator.switches); no audit entry."""
    values = {k: v for k, v in body.items() if k not in ("action", "actor", "reset")}
    with state.lock:
        switches = Switches() if body.get("reset") else state.switches
        try:
            switches.update(values)
        except (TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        state.switches = switches
        state.revision += 1
    return json_response({"action": "set_switches", "result": switches.as_dict(), "auditEntry": None})


def list_actions(request: SimRequest) -> SimResponse:
    """`GET /_simulator/changes`: the actions the change endpoint knows."""
    return json_response({"actions": sorted([*ACTIONS, "set_switches"])})


ADMIN_ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "changes"): changes,
    ("GET", "changes"): list_actions,
    **routes_work_items.ADMIN_ROUTES,
}
