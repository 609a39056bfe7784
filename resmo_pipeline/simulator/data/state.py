"""`OrgState`: one simulated organization, the data model every route reads and every admin change mutates."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from resmo_pipeline.simulator.data.constants import (
    PROD_PIPELINE_SETTINGS_SECURE,
)
from resmo_pipeline.simulator.data.work_items import WorkItemStore
from resmo_pipeline.simulator.paging import PageCache
from resmo_pipeline.simulator.switches import Switches


@dataclass
class OrgState:
    """One simulated organization: the data model every route reads and every admin change mutates.

    Collections keyed by project hold the project's id. Graph subjects (`subjects`) are keyed by descriptor;
    `memberships_down`/`memberships_up` index the direct memberships both ways. `lock` guards mutations.
    """

    organization: str
    preset: str
    seed: int
    now: datetime
    org_id: str
    tenant_id: str
    owner: dict[str, Any] = field(default_factory=dict)
    entra_sp: dict[str, Any] = field(default_factory=dict)
    projects: list[dict[str, Any]] = field(default_factory=list)
    project_properties: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    teams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    team_members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    subjects: dict[str, dict[str, Any]] = field(default_factory=dict)
    subject_by_id: dict[str, str] = field(default_factory=dict)
    subject_by_legacy: dict[str, str] = field(default_factory=dict)
    memberships_down: dict[str, list[str]] = field(default_factory=dict)
    memberships_up: dict[str, list[str]] = field(default_factory=dict)
    entitlements: dict[str, dict[str, Any]] = field(default_factory=dict)
    group_entitlements: list[dict[str, Any]] = field(default_factory=list)
    repositories: list[dict[str, Any]] = field(default_factory=list)
    refs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    policy_configurations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    build_definitions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pipeline_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    pipeline_permissions: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    check_configurations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    release_definitions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    service_endpoints: list[dict[str, Any]] = field(default_factory=list)
    endpoint_history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    variable_groups: list[dict[str, Any]] = field(default_factory=list)
    secure_files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pools: list[dict[str, Any]] = field(default_factory=list)
    agents: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    queues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    environments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    build_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # project id -> runs (builds)
    pipeline_files: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (repo id, path lower)
    task_groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    environment_deployment_records: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    service_hook_subscriptions: list[dict[str, Any]] = field(default_factory=list)
    deployment_groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by project id
    deployment_targets: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # by group id
    acls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    audit_log: list[dict[str, Any]] = field(default_factory=list)
    audit_streams: list[dict[str, Any]] = field(default_factory=list)
    feeds: list[dict[str, Any]] = field(default_factory=list)
    feed_permissions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    feed_global_permissions: list[dict[str, Any]] = field(default_factory=list)
    # (role scope id, resource id lower-case) -> explicit role assignments [{descriptor, role}]
    role_assignments: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    role_inheritance_off: set[tuple[str, str]] = field(default_factory=set)
    feed_retention_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    org_policies: dict[str, bool] = field(default_factory=dict)
    pull_requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by project id
    advsec_enablement: dict[str, dict[str, Any]] = field(default_factory=dict)  # by repository id
    boards: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by team id
    delivery_plans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by project id
    project_features: dict[str, dict[str, str]] = field(default_factory=dict)  # project id -> feature -> state
    org_pipeline_settings: dict[str, Any] = field(default_factory=lambda: dict(PROD_PIPELINE_SETTINGS_SECURE))
    switches: Switches = field(default_factory=Switches)  # services off, hidden projects, changed endpoints
    work_items: WorkItemStore = field(default_factory=WorkItemStore, repr=False)  # what ticket channels file
    faults: Any = None  # the server's fault hooks (paging reads them from SimRequest.faults)
    revision: int = 0  # bumped by every admin change; part of the paging cache keys
    page_cache: PageCache = field(default_factory=PageCache, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    next_ids: dict[str, int] = field(default_factory=dict)

    # ---- lookups used by routes, admin changes and the server -------------------------------------------

    @property
    def base(self) -> str:
        """`https://dev.azure.com/{org}` — the prefix of `url` fields."""
        return f"https://dev.azure.com/{self.organization}"

    @property
    def vssps(self) -> str:
        """`https://vssps.dev.azure.com/{org}` — the prefix of identity `url` fields."""
        return f"https://vssps.dev.azure.com/{self.organization}"

    @property
    def pat_owner(self) -> dict[str, Any]:
        """The user who owns the full-scope PAT (what the server maps Basic auth to)."""
        subject = self.subjects[self.owner["descriptor"]]
        return {"id": subject["_id"], "descriptor": subject["descriptor"], "displayName": subject["displayName"],
                "uniqueName": subject["principalName"]}

    @property
    def service_principal(self) -> dict[str, Any]:
        """The Entra service principal bearer tokens map to (exists in the org as a graph service principal)."""
        subject = self.subjects[self.entra_sp["descriptor"]]
        return {"id": subject["_id"], "descriptor": subject["descriptor"], "displayName": subject["displayName"],
                "uniqueName": subject["principalName"], "applicationId": subject["applicationId"],
                "objectId": subject["originId"]}

    def project(self, key: str) -> dict[str, Any] | None:
        """A project by id or (case-insensitive) name."""
        index = self._index("projects", lambda: {k: p for p in self.projects for k in (p["id"], p["name"].lower())})
        return index.get(key.lower())

    def repository(self, key: str, project_id: str | None = None) -> dict[str, Any] | None:
        """A repository by id, or by (case-insensitive) name within a project; None outside that project."""
        index = self._index("repositories", lambda: {
            k: r for r in self.repositories for k in (r["id"], (r["project"]["id"], r["name"].lower()))})
        lowered = key.lower()
        repo = index.get(lowered) or (index.get((project_id, lowered)) if project_id else None)
        if repo is None and project_id is None:
            repo = next((r for r in self.repositories if r["name"].lower() == lowered), None)
        if repo is None or (project_id is not None and repo["project"]["id"] != project_id):
            return None
        return repo

    def _index(self, collection: str, build: Any) -> dict[Any, dict[str, Any]]:
        """A lookup table over a collection, rebuilt after any change (revision) or growth."""
        return self.page_cache.get(("index", collection, self.revision, len(getattr(self, collection))), build)

    def subject_by_identity_id(self, identity_id: str) -> dict[str, Any] | None:
        """A graph subject by its identity (storage key) id."""
        descriptor = self.subject_by_id.get(identity_id)
        return self.subjects.get(descriptor) if descriptor else None

    def identity_ref(self, descriptor: str) -> dict[str, Any]:
        """The IdentityRef the API embeds for a person or group (createdBy, authorizedBy, ...)."""
        subject = self.subjects[descriptor]
        return {
            "displayName": subject["displayName"],
            "url": f"{self.vssps}/_apis/Identities/{subject['_id']}",
            "_links": {"avatar": {"href": f"{self.base}/_apis/GraphProfile/MemberAvatars/{descriptor}"}},
            "id": subject["_id"],
            "uniqueName": subject["principalName"],
            "imageUrl": f"{self.base}/_apis/GraphProfile/MemberAvatars/{descriptor}",
            "descriptor": descriptor,
        }

    def next_id(self, kind: str) -> int:
        """The next integer id for a kind of object (build definitions, policies, variable groups, ...)."""
        value = self.next_ids.get(kind, 1)
        self.next_ids[kind] = value + 1
        return value

    def add_membership(self, container: str, member: str) -> bool:
        """Add a direct membership; False when it already existed."""
        members = self.memberships_down.setdefault(container, [])
        if member in members:
            return False
        members.append(member)
        self.memberships_up.setdefault(member, []).append(container)
        return True

    def remove_membership(self, container: str, member: str) -> bool:
        """Remove a direct membership; False when it did not exist."""
        members = self.memberships_down.get(container, [])
        if member not in members:
            return False
        members.remove(member)
        self.memberships_up[member].remove(container)
        return True

    def group_named(self, principal_name: str) -> dict[str, Any] | None:
        """A group by its principal name, e.g. `[contoso]\\Project Collection Administrators`."""
        lowered = principal_name.lower()
        for subject in self.subjects.values():
            if subject["subjectKind"] == "group" and subject["principalName"].lower() == lowered:
                return subject
        return None


# ---------------------------------------------------------------------------------------------------------
