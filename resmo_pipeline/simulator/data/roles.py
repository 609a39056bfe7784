"""Simulated security-role assignments on library resources (the Security Roles API's data).

Who is Administrator, Creator, User or Reader on service connections, variable groups, secure files,
environments, agent queues and agent pools. Stored compactly: `OrgState.role_assignments` maps
(role scope id, resource id lower-case) to the *explicit* assignments `[{descriptor, role}]`; what a resource
inherits from its project-level (or organization-level) default is computed by the route (routes_roles.py)
from `PARENT_SCOPES`, so the large preset stores only a few entries per resource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

ENDPOINT = "distributedtask.serviceendpointrole"
PROJECT_ENDPOINTS = "distributedtask.project.serviceendpointrole"
VARIABLE_GROUP = "distributedtask.variablegroup"
SECURE_FILE = "distributedtask.securefile"
LIBRARY = "distributedtask.library"
ENVIRONMENT = "distributedtask.environmentreferencerole"
PROJECT_ENVIRONMENTS = "distributedtask.globalenvironmentreferencerole"
QUEUE = "distributedtask.agentqueuerole"
PROJECT_QUEUES = "distributedtask.globalagentqueuerole"
POOL = "distributedtask.agentpoolrole"
ALL_POOLS = "distributedtask.globalagentpoolrole"


def _before(separator: str) -> Callable[[str], str]:
    return lambda resource_id: resource_id.split(separator, 1)[0]


#: scope -> (the scope it inherits from, the parent resource id for a resource id).
PARENT_SCOPES: dict[str, tuple[str, Callable[[str], str]]] = {
    ENDPOINT: (PROJECT_ENDPOINTS, _before("_")),
    VARIABLE_GROUP: (LIBRARY, lambda rid: f"{_before('$')(rid)}$0"),
    SECURE_FILE: (LIBRARY, lambda rid: f"{_before('$')(rid)}$0"),
    ENVIRONMENT: (PROJECT_ENVIRONMENTS, _before("_")),
    QUEUE: (PROJECT_QUEUES, _before("_")),
    POOL: (ALL_POOLS, lambda _rid: "0"),
}
#: Every scope the simulator answers (others answer "SecurityRoleScope ... does not exist").
ROLE_SCOPES = frozenset(PARENT_SCOPES) | {scope for scope, _ in PARENT_SCOPES.values()}
#: Allowed permission bits of each role (as the service's role definitions report them).
ROLE_PERMISSIONS = {"Reader": 1, "User": 17, "Creator": 33, "Administrator": 27}
ROLE_DESCRIPTIONS = {
    "Reader": "Reader can only view the resource.",
    "User": "User can use the resource in a pipeline, but cannot manage it.",
    "Creator": "Creator can create new resources of this kind in the project.",
    "Administrator": "Administrator can use, manage and set security on the resource.",
}


def assign(b: Builder, scope: str, resource_id: str, descriptor: str, role: str) -> None:
    """An explicit role assignment (replacing the identity's earlier one on the same resource)."""
    entries = b.s.role_assignments.setdefault((scope, resource_id.lower()), [])
    entries[:] = [e for e in entries if e["descriptor"] != descriptor]
    entries.append({"descriptor": descriptor, "role": role})


def _project_defaults(b: Builder, project_id: str) -> None:
    """What a new project gets: admins administer, contributors create, everyone in the project reads."""
    groups = b.project_groups[project_id]
    for scope, resource in ((PROJECT_ENDPOINTS, project_id), (LIBRARY, f"{project_id}$0"),
                            (PROJECT_ENVIRONMENTS, project_id), (PROJECT_QUEUES, project_id)):
        assign(b, scope, resource, groups["admins"], "Administrator")
        assign(b, scope, resource, groups["contributors"], "Creator")
        assign(b, scope, resource, groups["valid"], "Reader")


def _endpoint_projects(endpoint: dict[str, Any]) -> list[str]:
    return [ref["projectReference"]["id"] for ref in endpoint.get("serviceEndpointProjectReferences") or []]


def _group_projects(group: dict[str, Any]) -> list[str]:
    return [ref["projectReference"]["id"] for ref in group.get("variableGroupProjectReferences") or []]


def _by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((item for item in items if item.get("name") == name), None)


def populate_roles(b: Builder, sizes: dict[str, int] | None) -> None:
    """Project-level defaults everywhere, the organization-wide pool roles, and explicit assignments."""
    s = b.s
    for project in s.projects:
        if project["id"] in b.project_groups:
            _project_defaults(b, project["id"])
    assign(b, ALL_POOLS, "0", b.pca, "Administrator")
    assign(b, ALL_POOLS, "0", b.pcvu, "Reader")
    people = b.people or [d for d, subj in s.subjects.items() if subj["subjectKind"] == "user"]
    if not people:
        return
    if sizes is None:
        _demo(b, people)
    else:
        _bulk(b, people)


def _demo(b: Builder, people: list[str]) -> None:
    """Named cases the rules and tests look for (skipped quietly when the demo lacks the resource)."""
    s = b.s
    owner = s.owner["descriptor"]
    for endpoint in s.service_endpoints:
        projects = _endpoint_projects(endpoint)
        if projects:  # whoever creates a connection administers it
            assign(b, ENDPOINT, f"{projects[0]}_{endpoint['id']}", owner, "Administrator")
    legacy = _by_name(s.service_endpoints, "legacy-azure-secret")
    if legacy:  # a secret-based Azure connection every contributor may reconfigure
        pid = _endpoint_projects(legacy)[0]
        assign(b, ENDPOINT, f"{pid}_{legacy['id']}", b.project_groups[pid]["contributors"], "Administrator")
    github = _by_name(s.service_endpoints, "github-contoso")
    if github:  # everyone in the project may use it in a pipeline
        pid = _endpoint_projects(github)[0]
        assign(b, ENDPOINT, f"{pid}_{github['id']}", b.project_groups[pid]["valid"], "User")
    prod_secrets = _by_name(s.variable_groups, "prod-secrets")
    if prod_secrets:  # one person alone administers the production secrets, nothing inherited
        pid = _group_projects(prod_secrets)[0]
        resource = f"{pid}${prod_secrets['id']}"
        assign(b, VARIABLE_GROUP, resource, people[1 % len(people)], "Administrator")
        s.role_inheritance_off.add((VARIABLE_GROUP, resource.lower()))
    for project_id, files in s.secure_files.items():
        for item in files[:1]:
            assign(b, SECURE_FILE, f"{project_id}${item['id']}", people[2 % len(people)], "Administrator")
    for project_id, environments in s.environments.items():
        for environment in environments:
            if environment["name"].startswith("prod"):
                assign(b, ENVIRONMENT, f"{project_id}_{environment['id']}", people[3 % len(people)], "Administrator")
    for project_id, queues in s.queues.items():
        for queue in queues:
            if not queue["pool"].get("isHosted"):
                assign(b, QUEUE, f"{project_id}_{queue['id']}", b.project_groups[project_id]["contributors"], "User")
    for pool in s.pools:
        if not pool["isHosted"]:
            assign(b, POOL, str(pool["id"]), people[4 % len(people)], "Administrator")


def _bulk(b: Builder, people: list[str]) -> None:
    """About one explicit assignment per resource (the creator), plus some broad grants to find."""
    s = b.s
    rng = b.rng
    for endpoint in s.service_endpoints:
        projects = _endpoint_projects(endpoint)
        if not projects:
            continue
        resource = f"{projects[0]}_{endpoint['id']}"
        assign(b, ENDPOINT, resource, rng.choice(people), "Administrator")
        if rng.random() < 0.1:
            assign(b, ENDPOINT, resource, b.project_groups[projects[0]]["contributors"], "User")
    for group in s.variable_groups:
        projects = _group_projects(group)
        if projects:
            assign(b, VARIABLE_GROUP, f"{projects[0]}${group['id']}", rng.choice(people), "Administrator")
    for project_id, files in s.secure_files.items():
        for item in files:
            if rng.random() < 0.3:
                assign(b, SECURE_FILE, f"{project_id}${item['id']}", rng.choice(people), "Administrator")
    for project_id, environments in s.environments.items():
        for environment in environments:
            if environment["name"] == "production":
                assign(b, ENVIRONMENT, f"{project_id}_{environment['id']}", rng.choice(people), "Administrator")
    for pool in s.pools:
        if not pool["isHosted"]:
            assign(b, POOL, str(pool["id"]), rng.choice(people), "Administrator")
