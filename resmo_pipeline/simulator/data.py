"""The simulated organization: a deterministic generator of everything the inventory reads.

`build_state(preset, organization, seed)` returns an `OrgState`: one Azure DevOps organization with projects,
identities, repositories, pipelines, protected resources, security data, audit log and settings, with
referential integrity everywhere (every project id, descriptor and resource id referenced exists).

Presets:
- `demo`: small and friendly (4 projects, ~20 people). It holds, for every built-in compliance rule, resources
  that break it and resources that satisfy it; `DEMO_RULE_EXAMPLES` names them.
- `medium`: ~50 projects, 500 repositories, 5,000 users.
- `large`: ~300 projects, 3,000 repositories, 30,000 users, 20,000 memberships, 3,000 build definitions,
  1,500 service connections, 1,000 variable groups.

Objects are stored in the shape the REST API returns them (field names, nesting, id and descriptor formats,
dates with 7 fractional digits and `Z`). Graph subjects and entitlements are stored compactly (internal fields
start with `_`) and rendered by the routes, which keeps the large preset small in memory.
"""

from __future__ import annotations

import base64
import hashlib
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from resmo_pipeline.simulator.paging import PageCache

NEVER = "0001-01-01T00:00:00Z"
APPROVAL_CHECK_TYPE = {"id": "8c6f20a7-a545-4486-9777-f762fafe0d4d", "name": "Approval"}
BRANCH_CONTROL_CHECK_TYPE = {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "Task Check"}
AGILE_TEMPLATE = ("Agile", "adcc42ab-9882-485e-a3ed-7678f01f66bc")
SCRUM_TEMPLATE = ("Scrum", "6b724908-ef14-45cf-84f8-768b5384da45")
BASIC_TEMPLATE = ("Basic", "b8a3a935-7e91-48b8-a94c-606d37c3e9f2")
MIN_REVIEWERS_TYPE = "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd"
BUILD_POLICY_TYPE = "0609b952-1397-4640-95ec-e00a01b2c241"
COMMENTS_POLICY_TYPE = "c6a1889d-b943-4856-b76f-9e46bb6b0df2"
REQUIRED_REVIEWERS_TYPE = "fd2167ab-b0be-447a-8ec8-39368250530e"

POLICY_TYPES: list[tuple[str, str, str]] = [
    (MIN_REVIEWERS_TYPE, "Minimum number of reviewers",
     "This policy will ensure that a minimum number of reviewers have approved a pull request."),
    (BUILD_POLICY_TYPE, "Build", "This policy will require a successful build has been performed before updating "
                                 "protected refs."),
    (COMMENTS_POLICY_TYPE, "Comment requirements", "Check if the pull request has any active comments"),
    (REQUIRED_REVIEWERS_TYPE, "Required reviewers", "This policy will ensure that required reviewers are added "
                                                    "for modified files matching specified patterns."),
    ("40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e", "Work item linking",
     "This policy encourages developers to link commits to work items."),
    ("cbdc66da-9728-4af8-aada-9a5a32e4a226", "Status", "This policy will require a successful status to be "
                                                       "posted before updating protected refs."),
    ("fa4e907d-c16b-4a4c-9dfa-4916e5d171ab", "Require a merge strategy",
     "This policy ensures that pull requests use a consistent merge strategy."),
    ("2e26e725-8201-4edd-8bf5-978563c34a80", "File size restriction",
     "This policy will reject pushes to a repository for files which exceed the specified size."),
    ("77ed4bd3-b063-4689-934a-175e4d0a78d7", "Commit author email validation",
     "This policy will block pushes from including commits where the author email does not match the "
     "specified patterns."),
]

# Security namespaces: (name, id, action names in bit order, token format note).
SECURITY_NAMESPACES: list[tuple[str, str, list[str]]] = [
    ("Git Repositories", "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87",
     ["Administer", "GenericRead", "GenericContribute", "ForcePush", "CreateBranch", "CreateTag", "ManageNote",
      "PolicyExempt", "CreateRepository", "DeleteRepository", "RenameRepository", "EditPolicies",
      "RemoveOthersLocks", "ManagePermissions", "PullRequestContribute", "PullRequestBypassPolicy"]),
    ("Build", "33344d9c-fc72-4d6f-aba5-fa317101a7e9",
     ["ViewBuilds", "EditBuildQuality", "RetainIndefinitely", "DeleteBuilds", "ManageBuildQualities",
      "DestroyBuilds", "UpdateBuildInformation", "QueueBuilds", "ManageBuildQueue", "StopBuilds",
      "ViewBuildDefinition", "EditBuildDefinition", "DeleteBuildDefinition", "OverrideBuildCheckInValidation",
      "AdministerBuildPermissions"]),
    ("ReleaseManagement", "c788c23e-1b46-4162-8f5e-d7585343b5de",
     ["ViewReleaseDefinition", "EditReleaseDefinition", "DeleteReleaseDefinition", "ManageReleaseApprovers",
      "ManageReleases", "ViewReleases", "CreateReleases", "EditReleaseEnvironment", "DeleteReleaseEnvironment",
      "AdministerReleasePermissions", "DeleteReleases", "ManageDeployments", "ManageReleaseSettings"]),
    ("Project", "52d39943-cb85-4d7f-8fa8-c6baac873819",
     ["GENERIC_READ", "GENERIC_WRITE", "DELETE", "PUBLISH_TEST_RESULTS", "ADMINISTER_BUILD", "START_BUILD",
      "EDIT_BUILD_STATUS", "UPDATE_BUILD", "DELETE_TEST_RESULTS", "VIEW_TEST_RESULTS", "MANAGE_TEST_ENVIRONMENTS",
      "MANAGE_TEST_CONFIGURATIONS", "WORK_ITEM_DELETE", "WORK_ITEM_MOVE", "WORK_ITEM_PERMANENTLY_DELETE",
      "RENAME", "MANAGE_PROPERTIES", "MANAGE_SYSTEM_PROPERTIES", "BYPASS_PROPERTY_CACHE", "BYPASS_RULES",
      "SUPPRESS_NOTIFICATIONS", "UPDATE_VISIBILITY", "CHANGE_PROCESS", "AGILETOOLS_BACKLOG"]),
    ("Collection", "3e65f728-f8bc-4ecd-8764-7e378b19bfa7",
     ["GENERIC_READ", "GENERIC_WRITE", "CREATE_PROJECTS", "TRIGGER_EVENT", "MANAGE_TEMPLATE",
      "DIAGNOSTIC_TRACE", "SYNCHRONIZE_READ", "MANAGE_TEST_CONTROLLERS", "DELETE_FIELD",
      "MANAGE_ENTERPRISE_POLICIES"]),
    ("Identity", "5a27515b-ccd7-42c9-84f1-54c998f03866",
     ["Read", "Write", "Delete", "ManageMembership", "CreateScope", "RestoreScope"]),
    ("ServiceEndpoints", "49b48001-ca20-4adc-8111-5b60c903a50c",
     ["Use", "Administer", "Create", "ViewAuthorization", "ViewEndpoint"]),
    ("Library", "b7e84409-6553-448a-bbb2-af228e07cbeb",
     ["View", "Administer", "Create", "ViewSecrets", "Use", "Owner"]),
    ("Environment", "83d4c2e6-e57d-4d6e-892b-b87222b7ad20",
     ["View", "Manage", "ManageHistory", "Administer", "Use", "Create"]),
    ("DistributedTask", "101eae8c-1709-47f9-b228-0e476c35b3ba",
     ["View", "Manage", "Listen", "AdministerPermissions", "Use", "Create"]),
    ("BuildAdministration", "302acaca-b667-436d-a946-87133492041c",
     ["ViewBuildResources", "ManageBuildResources", "UseBuildResources", "AdministerBuildResourcePermissions",
      "ManagePipelinePolicies"]),
    ("AuditLog", "a6cc6381-a1ca-4b36-b3c1-4e65211e82b6",
     ["Read", "Write", "Manage_Streams", "Delete_Streams"]),
    ("Graph", "c2ee56c9-e8fa-4cdd-9d48-2c44f697a58e", ["Read", "PublishSubjects", "ReadSubjects"]),
    ("AccountAdminSecurity", "11238e09-49f2-40c7-94d0-8f0307204ce4", ["Read", "Create", "Modify"]),
    ("CSS", "83e28ad4-2d72-4ceb-97b0-c7726d5502c3",
     ["GENERIC_READ", "GENERIC_WRITE", "CREATE_CHILDREN", "DELETE", "WORK_ITEM_READ", "WORK_ITEM_WRITE",
      "MANAGE_TEST_PLANS", "MANAGE_TEST_SUITES"]),
    ("Iteration", "bf7bfa03-b2b7-47db-8113-fa2e002cc5b1",
     ["GENERIC_READ", "GENERIC_WRITE", "CREATE_CHILDREN", "DELETE"]),
    ("MetaTask", "f6a4de49-dbe2-4704-86dc-f8ec1a294436", ["Administer", "Edit", "Delete"]),
    ("Analytics", "58450c49-b02d-465a-ab12-59ae512d6531",
     ["Read", "Administer", "Stage", "ExecuteUnrestrictedQuery", "ReadEuii"]),
    ("AnalyticsViews", "d34d3680-dfe5-4cc6-a949-7d9c68f73cba",
     ["Read", "Edit", "Delete", "Execute", "ManagePermissions"]),
]
NAMESPACE_IDS = {name: ns_id for name, ns_id, _ in SECURITY_NAMESPACES}

ORG_POLICY_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "Policy.DisallowOAuthAuthentication": ("applicationConnection", "Third-party application access via OAuth"),
    "Policy.DisallowSecureShell": ("applicationConnection", "SSH authentication"),
    "Policy.LogAuditEvents": ("security", "Log Audit Events"),
    "Policy.AllowAnonymousAccess": ("security", "Allow public projects"),
    "Policy.ArtifactsExternalPackageProtectionToken": (
        "security", "Additional protections when using public package registries"),
    "Policy.EnforceAADConditionalAccess": ("security", "Enable IP Conditional Access policy validation"),
    "Policy.DisallowAadGuestUserAccess": ("user", "External guest access"),
    "Policy.AllowTeamAdminsInvitationsAccessToken": ("user", "Allow team and project administrators to invite "
                                                             "new users"),
    "Policy.AllowRequestAccessToken": ("user", "Request access"),
    "Policy.AllowFeedbackCollection": ("privacy", "Allow Microsoft to collect feedback from users"),
}

PROD_PIPELINE_SETTINGS_SECURE: dict[str, Any] = {
    "enforceJobAuthScope": True,
    "enforceJobAuthScopeForReleases": True,
    "enforceReferencedRepoScopedToken": True,
    "enforceSettableVar": True,
    "auditEnforceSettableVar": False,
    "publishPipelineMetadata": False,
    "statusBadgesArePrivate": True,
    "disableClassicPipelineCreation": True,
    "disableClassicBuildPipelineCreation": True,
    "disableClassicReleasePipelineCreation": True,
    "forkProtectionEnabled": True,
    "buildsEnabledForForks": True,
    "enforceJobAuthScopeForForks": True,
    "enforceNoAccessToSecretsFromForks": True,
    "isCommentRequiredForPullRequest": True,
    "requireCommentsForNonTeamMembersOnly": False,
    "requireCommentsForNonTeamMemberAndNonContributors": False,
    "enableShellTasksArgsSanitizing": True,
    "enableShellTasksArgsSanitizingAudit": False,
    "disableImpliedYAMLCiTrigger": True,
}

FIRST_NAMES = ["Alice", "Bob", "Carol", "Dana", "Eve", "Frank", "Grace", "Henry", "Ivan", "Judy", "Karl",
               "Lena", "Mallory", "Nate", "Olivia", "Peggy", "Quinn", "Rita", "Sam", "Trent", "Uma", "Victor",
               "Wendy", "Xavier", "Yara", "Zoe", "Aaron", "Bianca", "Chen", "Deepa", "Emil", "Fatima", "Goran",
               "Hana", "Igor", "Jana", "Kenji", "Liam", "Maya", "Noah", "Omar", "Priya", "Raj", "Sofia", "Tomas"]
LAST_NAMES = ["Anderson", "Brown", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
              "Kowalski", "Lopez", "Meyer", "Nguyen", "Olsen", "Patel", "Quinn", "Rossi", "Schmidt", "Tanaka",
              "Usman", "Virtanen", "Weber", "Xu", "Yilmaz", "Zimmermann", "Novak", "Silva", "Costa", "Moreau"]
PROJECT_WORDS = ["Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
                 "Keystone", "Lumen", "Meridian", "Nimbus", "Orion", "Pioneer", "Quartz", "Raven", "Summit",
                 "Tundra", "Unity", "Vertex", "Willow", "Xenon", "Yukon", "Zephyr"]
REPO_WORDS = ["api", "web", "worker", "infra", "docs", "sdk", "cli", "gateway", "auth", "billing", "search",
              "mobile", "data", "ml", "etl", "portal", "scheduler", "notifications", "reports", "ops"]


def iso(moment: datetime) -> str:
    """A timestamp as the service writes it: 7 fractional digits and `Z`."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "0Z"


def b64(text: str) -> str:
    """Base64 without padding, as graph descriptors encode their identifier."""
    return base64.b64encode(text.encode()).decode().rstrip("=")


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
    acls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    audit_log: list[dict[str, Any]] = field(default_factory=list)
    audit_streams: list[dict[str, Any]] = field(default_factory=list)
    feeds: list[dict[str, Any]] = field(default_factory=list)
    feed_permissions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    feed_global_permissions: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    org_policies: dict[str, bool] = field(default_factory=dict)
    org_pipeline_settings: dict[str, Any] = field(default_factory=lambda: dict(PROD_PIPELINE_SETTINGS_SECURE))
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


class _Builder:
    """Creates consistent objects in an OrgState; the presets decide what to create."""

    def __init__(self, state: OrgState, rng: random.Random) -> None:
        self.s = state
        self.rng = rng
        self.sid_counter = 0
        self.pca = ""
        self.pcbsa = ""
        self.pcsa = ""
        self.pcvu = ""
        self.project_groups: dict[str, dict[str, str]] = {}
        self.build_service: dict[str, str] = {}
        self.collection_build_service = ""
        self.hosted_pool: dict[str, Any] = {}
        self.project_queues: dict[str, dict[str, dict[str, Any]]] = {}
        self.people: list[str] = []

    # ---- primitives ----------------------------------------------------------------------------------

    def guid(self) -> str:
        """A random version-4 GUID, exactly `str(uuid.UUID(int=bits, version=4))` at a third of the cost."""
        bits = self.rng.getrandbits(128) & ~(0xC000 << 48) | (0x8000 << 48)
        h = f"{bits & ~(0xF000 << 64) | (4 << 76):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ago(self, days: float, hours: float = 0) -> str:
        return iso(self.s.now - timedelta(days=days, hours=hours, seconds=self.rng.randint(0, 3599)))

    def sha(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"

    def _register(self, subject: dict[str, Any]) -> dict[str, Any]:
        self.s.subjects[subject["descriptor"]] = subject
        self.s.subject_by_id[subject["_id"]] = subject["descriptor"]
        self.s.subject_by_legacy[subject["_legacy"]] = subject["descriptor"]
        return subject

    def user(
        self,
        display_name: str,
        upn: str,
        *,
        origin: str = "aad",
        meta_type: str = "member",
        license_type: str = "express",
        last_access_days: float | None = 1.0,
        created_days: float = 400.0,
        pats: list[tuple[str, str, int]] | None = None,
    ) -> str:
        """A person: graph user, identity and user entitlement. Returns the descriptor.

        `last_access_days=None` means never signed in (lastAccessedDate `0001-01-01T00:00:00Z`).
        `pats` are (display name, scope, days until validTo; negative = expired).
        """
        origin_id = self.guid()
        identity_id = self.guid()
        prefix = "aad" if origin == "aad" else "msa"
        descriptor = f"{prefix}.{b64(origin_id)}"
        legacy = (
            f"Microsoft.IdentityModel.Claims.ClaimsIdentity;{self.s.tenant_id}\\{upn}"
            if origin == "aad"
            else f"Microsoft.IdentityModel.Claims.ClaimsIdentity;{upn}"
        )
        self._register({
            "subjectKind": "user",
            "metaType": meta_type,
            "domain": self.s.tenant_id if origin == "aad" else "Windows Live ID",
            "principalName": upn,
            "mailAddress": upn,
            "origin": origin,
            "originId": origin_id,
            "displayName": display_name,
            "directoryAlias": upn.split("@")[0] if origin == "aad" else None,
            "isDeletedInOrigin": False,
            "descriptor": descriptor,
            "_id": identity_id,
            "_legacy": legacy,
        })
        if origin == "aad":
            self.people.append(descriptor)
        self.s.entitlements[descriptor] = {
            "license": license_type,
            "lastAccessedDate": NEVER if last_access_days is None else self.ago(last_access_days),
            "dateCreated": self.ago(created_days),
            "status": "active",
        }
        for name, scope, valid_days in pats or []:
            self.pat(descriptor, name, scope, valid_days)
        return descriptor

    def pat(self, descriptor: str, name: str, scope: str, valid_days: int) -> None:
        """A personal access token of a user, as the token admin API lists it (no secret)."""
        subject = self.s.subjects[descriptor]
        valid_to = self.s.now + timedelta(days=valid_days)
        self.s.pats.setdefault(descriptor, []).append({
            "clientId": "00000000-0000-0000-0000-000000000000",
            "accessId": self.guid(),
            "authorizationId": self.guid(),
            "hostAuthorizationId": self.guid(),
            "userId": subject["_id"],
            "validFrom": iso(valid_to - timedelta(days=max(valid_days, 30) + 30)),
            "validTo": iso(valid_to),
            "displayName": name,
            "scope": scope,
            "targetAccounts": [self.s.org_id],
            "token": None,
            "alternateToken": None,
            "isValid": valid_days > 0,
            "isPublic": False,
            "publicData": None,
            "source": None,
            "claims": None,
        })

    def service_identity(self, display_name: str, project_id: str | None) -> str:
        """A build service identity (`svc.` descriptor) for a project or the whole collection."""
        identity_id = self.guid()
        scope = project_id or self.s.org_id
        inner = f"{identity_id}:Build:{scope}"
        descriptor = f"svc.{b64(inner)}"
        return self._register({
            "subjectKind": "user",
            "metaType": "member",
            "domain": "Build",
            "principalName": identity_id,
            "mailAddress": "",
            "origin": "vsts",
            "originId": identity_id,
            "displayName": display_name,
            "directoryAlias": None,
            "isDeletedInOrigin": False,
            "descriptor": descriptor,
            "_id": identity_id,
            "_legacy": f"Microsoft.TeamFoundation.ServiceIdentity;{inner}",
        })["descriptor"]

    def service_principal(self, display_name: str, application_id: str | None = None,
                          object_id: str | None = None) -> str:
        """An Entra service principal added to the organization (`aadsp.` descriptor)."""
        object_id = object_id or self.guid()
        application_id = application_id or self.guid()
        descriptor = f"aadsp.{b64(object_id)}"
        return self._register({
            "subjectKind": "servicePrincipal",
            "applicationId": application_id,
            "domain": self.s.tenant_id,
            "principalName": object_id,
            "mailAddress": None,
            "origin": "aad",
            "originId": object_id,
            "displayName": display_name,
            "directoryAlias": object_id,
            "isDeletedInOrigin": False,
            "descriptor": descriptor,
            "_id": self.guid(),
            "_legacy": f"Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;{self.s.tenant_id}\\{object_id}",
        })["descriptor"]

    def group(self, name: str, description: str, project: dict[str, Any] | None = None, *,
              aad: bool = False) -> str:
        """An Azure DevOps group (`vssgp.`), scoped to a project or the collection, or an Entra group (`aadgp.`)."""
        self.sid_counter += 1
        if aad:
            origin_id = self.guid()
            descriptor = f"aadgp.{b64(origin_id)}"
            return self._register({
                "subjectKind": "group",
                "description": description,
                "domain": self.s.tenant_id,
                "principalName": f"[TEAM FOUNDATION]\\{name}",
                "mailAddress": f"{name.lower().replace(' ', '-')}@{self.s.organization}.onmicrosoft.com",
                "origin": "aad",
                "originId": origin_id,
                "displayName": name,
                "isCrossProject": False,
                "descriptor": descriptor,
                "_id": self.guid(),
                "_legacy": f"Microsoft.TeamFoundation.Identity;S-1-9-1551374245-{self.sid_counter:010d}-aad",
                "_scope": None,
            })["descriptor"]
        sid = (f"S-1-9-1551374245-{int(self.s.org_id[:8], 16)}-{self.rng.getrandbits(31)}-"
               f"{self.rng.getrandbits(31)}-{self.sid_counter}")
        scope_name = project["name"] if project else self.s.organization
        identity_id = self.guid()
        return self._register({
            "subjectKind": "group",
            "description": description,
            "domain": (f"vstfs:///Classification/TeamProject/{project['id']}" if project
                       else f"vstfs:///Framework/IdentityDomain/{self.s.org_id}"),
            "principalName": f"[{scope_name}]\\{name}",
            "mailAddress": None,
            "origin": "vsts",
            "originId": identity_id,
            "displayName": name,
            "isCrossProject": False,
            "descriptor": f"vssgp.{b64(sid)}",
            "_id": identity_id,
            "_legacy": f"Microsoft.TeamFoundation.Identity;{sid}",
            "_scope": project["id"] if project else None,
        })["descriptor"]

    def member(self, container: str, member: str) -> None:
        self.s.add_membership(container, member)

    # ---- organization skeleton -------------------------------------------------------------------------

    def collection_groups(self) -> None:
        self.pca = self.group("Project Collection Administrators",
                              "Members of this application group can perform all privileged operations on the "
                              "Team Project Collection.")
        self.pcbsa = self.group("Project Collection Build Service Accounts",
                                "Members of this group should include accounts for people that should be able to "
                                "run build services for the collection.")
        self.pcsa = self.group("Project Collection Service Accounts",
                               "This application group should only be used for service accounts.")
        self.group("Project Collection Build Administrators",
                   "Members of this group should include accounts for people that should be able to administer "
                   "the build resources.")
        self.group("Project Collection Test Service Accounts",
                   "Members of this group should include the service accounts used by the test controllers.")
        self.pcvu = self.group("Project Collection Valid Users",
                               "This application group contains all users and groups that have access to the Team "
                               "Project Collection.")
        self.group("Security Service Group", "Identities which are granted explicit permission to a resource "
                                             "will be automatically added to this group if they were not "
                                             "previously a member of any other group.")
        esa_sid = "S-1-9-1551374245-3746288187-1018993766-2427446488-3-0-0-0-0-2"
        esa = self._register({
            "subjectKind": "group",
            "description": "Members of this group have service-level permissions for this instance.",
            "domain": "vstfs:///Framework/IdentityDomain/00000000-0000-0000-0000-000000000000",
            "principalName": "[TEAM FOUNDATION]\\Enterprise Service Accounts",
            "mailAddress": None,
            "origin": "vsts",
            "originId": self.guid(),
            "displayName": "Enterprise Service Accounts",
            "isCrossProject": False,
            "descriptor": f"vssgp.{b64(esa_sid)}",
            "_id": self.guid(),
            "_legacy": f"Microsoft.TeamFoundation.Identity;{esa_sid}",
            "_scope": None,
        })
        self.member(self.pcsa, esa["descriptor"])
        self.collection_build_service = self.service_identity(
            f"Project Collection Build Service ({self.s.organization})", None)
        self.member(self.pcbsa, self.collection_build_service)
        self.hosted_pool = self.pool(1, "Azure Pipelines", hosted=True)
        self.pool(2, "Default", hosted=False)

    def project(self, name: str, description: str, *, visibility: str = "private",
                template: tuple[str, str] = AGILE_TEMPLATE, settings: dict[str, Any] | None = None,
                created_days: float = 700) -> dict[str, Any]:
        """A project with its default team, permission groups, build service and pipeline settings."""
        project_id = self.guid()
        team_id = self.guid()
        project = {
            "id": project_id,
            "name": name,
            "description": description,
            "url": f"{self.s.base}/_apis/projects/{project_id}",
            "state": "wellFormed",
            "revision": self.rng.randint(10, 900),
            "visibility": visibility,
            "lastUpdateTime": self.ago(self.rng.uniform(1, 60)),
            "_template": template,
            "_defaultTeam": team_id,
            "_created": self.ago(created_days),
        }
        self.s.projects.append(project)
        self.s.project_properties[project_id] = [
            {"name": "System.CurrentProcessTemplateId", "value": template[1]},
            {"name": "System.OriginalProcessTemplateId", "value": template[1]},
            {"name": "System.ProcessTemplateType", "value": template[1]},
            {"name": "System.Process Template", "value": template[0]},
            {"name": "System.Microsoft.TeamFoundation.Team.Default", "value": team_id},
            {"name": "System.SourceControlCapabilityFlags", "value": "2"},
            {"name": "System.SourceControlGitEnabled", "value": "True"},
            {"name": "System.SourceControlGitPermissionsInitialized", "value": "True"},
        ]
        groups = {
            "admins": self.group("Project Administrators", "Members of this group can perform all operations in "
                                                           "the team project.", project),
            "contributors": self.group("Contributors", "Members of this group can add, modify, and delete items "
                                                       "within the team project.", project),
            "readers": self.group("Readers", "Members of this group have access to the team project.", project),
            "build_admins": self.group("Build Administrators", "Members of this group can create, modify and "
                                                              "delete build definitions and manage queued and "
                                                              "completed builds.", project),
            "valid": self.group("Project Valid Users", "This group contains all users and groups that have "
                                                       "access to the team project.", project),
        }
        self.project_groups[project_id] = groups
        for key in ("admins", "contributors", "readers", "build_admins"):
            self.member(groups["valid"], groups[key])
        self.member(self.pcvu, groups["valid"])
        self.s.teams[project_id] = []
        self.team(project, f"{name} Team", "The default project team.", team_id=team_id)
        self.member(groups["contributors"], self.s.teams[project_id][0]["_descriptor"])
        service = self.service_identity(f"{name} Build Service ({self.s.organization})", project_id)
        self.build_service[project_id] = service
        self.member(self.pcbsa, service)
        merged = dict(PROD_PIPELINE_SETTINGS_SECURE)
        merged.update(settings or {})
        self.s.pipeline_settings[project_id] = merged
        for kind in ("build_definitions", "policy_configurations", "release_definitions", "check_configurations",
                     "secure_files", "environments", "queues"):
            getattr(self.s, kind).setdefault(project_id, [])
        self.project_queues[project_id] = {}
        self.queue(project, self.hosted_pool)
        self.acl_project(project)
        return project

    def team(self, project: dict[str, Any], name: str, description: str, *, team_id: str | None = None) -> str:
        descriptor = self.group(name, description, project)
        subject = self.s.subjects[descriptor]
        if team_id:
            self.s.subject_by_id.pop(subject["_id"], None)
            subject["_id"] = team_id
            self.s.subject_by_id[team_id] = descriptor
        tid = subject["_id"]
        self.s.teams[project["id"]].append({
            "id": tid,
            "name": name,
            "url": f"{self.s.base}/_apis/projects/{project['id']}/teams/{tid}",
            "description": description,
            "identityUrl": f"{self.s.vssps}/_apis/Identities/{tid}",
            "projectName": project["name"],
            "projectId": project["id"],
            "_descriptor": descriptor,
        })
        self.s.team_members[tid] = []
        return tid

    def team_member(self, team_id: str, descriptor: str, admin: bool = False) -> None:
        """Add a person to a team once; adding them again only ever raises them to team admin."""
        team_descriptor = self.s.subject_by_id[team_id]
        self.member(team_descriptor, descriptor)
        ref = self.s.identity_ref(descriptor)
        existing = next((m for m in self.s.team_members[team_id] if m["identity"]["id"] == ref["id"]), None)
        if existing is not None:
            existing["isTeamAdmin"] = existing["isTeamAdmin"] or admin
            return
        self.s.team_members[team_id].append({
            "isTeamAdmin": admin,
            "identity": {k: ref[k] for k in ("displayName", "url", "_links", "id", "uniqueName", "imageUrl",
                                             "descriptor")},
        })

    # ---- code ------------------------------------------------------------------------------------------

    def repository(self, project: dict[str, Any], name: str, *, default_branch: str | None = "refs/heads/main",
                   disabled: bool = False, fork_of: dict[str, Any] | None = None, branches: int = 3,
                   size: int | None = None) -> dict[str, Any]:
        repo_id = self.guid()
        quoted = name.replace(" ", "%20")
        project_path = project["name"].replace(" ", "%20")
        repo: dict[str, Any] = {
            "id": repo_id,
            "name": name,
            "url": f"{self.s.base}/{project['id']}/_apis/git/repositories/{repo_id}",
            "project": {
                "id": project["id"],
                "name": project["name"],
                "url": f"{self.s.base}/_apis/projects/{project['id']}",
                "state": "wellFormed",
                "revision": project["revision"],
                "visibility": project["visibility"],
                "lastUpdateTime": project["lastUpdateTime"],
            },
            "size": size if size is not None else self.rng.randint(20_000, 80_000_000),
            "remoteUrl": f"https://{self.s.organization}@dev.azure.com/{self.s.organization}/{project_path}/_git/"
                         f"{quoted}",
            "sshUrl": f"git@ssh.dev.azure.com:v3/{self.s.organization}/{project_path}/{quoted}",
            "webUrl": f"{self.s.base}/{project_path}/_git/{quoted}",
            "isDisabled": disabled,
            "isInMaintenance": False,
            "isFork": fork_of is not None,
        }
        if default_branch and not disabled:
            repo["defaultBranch"] = default_branch
        if fork_of is not None:
            repo["parentRepository"] = {
                "id": fork_of["id"], "name": fork_of["name"], "url": fork_of["url"],
                "project": fork_of["project"], "isFork": False,
            }
        self.s.repositories.append(repo)
        creator = self.rng.choice(self._people()) if self._people() else None
        names = [default_branch] if default_branch else []
        names += [f"refs/heads/feature/{self.rng.choice(REPO_WORDS)}-{i}" for i in range(max(0, branches - 1))]
        if default_branch:
            names.append("refs/heads/release/1.0")
        self.s.refs[repo_id] = [self.ref(repo, ref_name, creator) for ref_name in sorted(set(names))]
        self.pipeline_permission(project, "repository", f"{project['id']}.{repo_id}", name)
        return repo

    def ref(self, repo: dict[str, Any], name: str, creator: str | None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "name": name,
            "objectId": self.sha(),
            "url": f"{self.s.base}/{repo['project']['id']}/_apis/git/repositories/{repo['id']}/refs?filter="
                   f"{name[5:].replace('/', '%2F')}",
        }
        if creator:
            item["creator"] = self.s.identity_ref(creator)
        return item

    def policy(self, project: dict[str, Any], type_id: str, settings: dict[str, Any], *, enabled: bool = True,
               blocking: bool = True) -> dict[str, Any]:
        policy_id = self.s.next_id("policy")
        type_name = next(t[1] for t in POLICY_TYPES if t[0] == type_id)
        creator = self._people()[0] if self._people() else self.collection_build_service
        item = {
            "createdBy": self.s.identity_ref(creator),
            "createdDate": self.ago(self.rng.uniform(30, 500)),
            "isEnabled": enabled,
            "isBlocking": blocking,
            "isDeleted": False,
            "isEnterpriseManaged": False,
            "settings": settings,
            "_links": {
                "self": {"href": f"{self.s.base}/{project['id']}/_apis/policy/configurations/{policy_id}"},
                "policyType": {"href": f"{self.s.base}/{project['id']}/_apis/policy/types/{type_id}"},
            },
            "revision": 1,
            "id": policy_id,
            "url": f"{self.s.base}/{project['id']}/_apis/policy/configurations/{policy_id}",
            "type": {"id": type_id, "url": f"{self.s.base}/{project['id']}/_apis/policy/types/{type_id}",
                     "displayName": type_name},
        }
        self.s.policy_configurations[project["id"]].append(item)
        return item

    def reviewers_policy(self, project: dict[str, Any], repo: dict[str, Any] | None, *, minimum: int = 2,
                         creator_counts: bool = False, reset: bool = True, enabled: bool = True,
                         blocking: bool = True) -> dict[str, Any]:
        return self.policy(project, MIN_REVIEWERS_TYPE, {
            "minimumApproverCount": minimum,
            "creatorVoteCounts": creator_counts,
            "allowDownvotes": False,
            "resetOnSourcePush": reset,
            "resetRejectionsOnSourcePush": False,
            "requireVoteOnLastIteration": True,
            "requireVoteOnEachIteration": False,
            "blockLastPusherVote": True,
            "scope": [self._scope(repo)],
        }, enabled=enabled, blocking=blocking)

    def build_policy(self, project: dict[str, Any], repo: dict[str, Any] | None, definition_id: int, *,
                     blocking: bool = True) -> dict[str, Any]:
        return self.policy(project, BUILD_POLICY_TYPE, {
            "buildDefinitionId": definition_id,
            "queueOnSourceUpdateOnly": True,
            "manualQueueOnly": False,
            "displayName": None,
            "validDuration": 720.0,
            "scope": [self._scope(repo)],
        }, blocking=blocking)

    @staticmethod
    def _scope(repo: dict[str, Any] | None) -> dict[str, Any]:
        if repo is None:
            return {"repositoryId": None, "matchKind": "DefaultBranch"}
        return {"refName": repo.get("defaultBranch", "refs/heads/main"), "matchKind": "Exact",
                "repositoryId": repo["id"]}

    # ---- pipelines ---------------------------------------------------------------------------------------

    def pool(self, pool_id: int, name: str, *, hosted: bool, auto_provision: bool = False,
             auto_update: bool = True) -> dict[str, Any]:
        owner = self._people()[0] if self._people() else self.collection_build_service
        pool = {
            "createdOn": self.ago(900),
            "autoProvision": auto_provision,
            "autoUpdate": auto_update,
            "autoSize": hosted,
            "targetSize": None,
            "agentCloudId": 1 if hosted else None,
            "createdBy": self.s.identity_ref(owner),
            "owner": self.s.identity_ref(owner),
            "id": pool_id,
            "scope": self.s.org_id,
            "name": name,
            "isHosted": hosted,
            "poolType": "automation",
            "size": 0,
            "isLegacy": hosted,
            "options": "none",
        }
        self.s.pools.append(pool)
        self.s.agents[pool_id] = []
        return pool

    def agent(self, pool: dict[str, Any], name: str, user_capabilities: dict[str, str] | None = None) -> None:
        agent_id = sum(len(a) for a in self.s.agents.values()) + 1
        self.s.agents[pool["id"]].append({
            "_links": {"self": {"href": f"{self.s.base}/_apis/distributedtask/pools/{pool['id']}/agents/"
                                        f"{agent_id}"}},
            "maxParallelism": 1,
            "createdOn": self.ago(300),
            "authorization": {"clientId": self.guid(),
                              "publicKey": {"exponent": "AQAB", "modulus": b64(self.guid() * 4)}},
            "id": agent_id,
            "name": name,
            "version": "3.248.0",
            "osDescription": "Linux 5.15.0-1064-azure #73-Ubuntu SMP Tue Apr 30 14:24:24 UTC 2024",
            "enabled": True,
            "status": "online",
            "provisioningState": "Provisioned",
            "accessPoint": "CodexAccessMapping",
            "statusChangedOn": self.ago(2),
            "systemCapabilities": {
                "Agent.Name": name, "Agent.OS": "Linux", "Agent.OSArchitecture": "X64",
                "Agent.Version": "3.248.0", "Agent.HomeDirectory": "/home/azdo/agent",
                "java": "/usr/bin/java", "node.js": "/usr/bin/node", "docker": "/usr/bin/docker",
            },
            "userCapabilities": dict(user_capabilities or {}),
        })
        pool["size"] = len(self.s.agents[pool["id"]])

    def queue(self, project: dict[str, Any], pool: dict[str, Any]) -> dict[str, Any]:
        queue_id = self.s.next_id("queue")
        queue = {
            "id": queue_id,
            "projectId": project["id"],
            "name": pool["name"],
            "pool": {k: pool[k] for k in ("id", "scope", "name", "isHosted", "poolType", "size", "isLegacy",
                                           "options")},
        }
        self.s.queues[project["id"]].append(queue)
        self.project_queues[project["id"]][pool["name"]] = queue
        self.pipeline_permission(project, "queue", str(queue_id), pool["name"])
        return queue

    def build_definition(
        self,
        project: dict[str, Any],
        name: str,
        repo: dict[str, Any],
        *,
        yaml: bool = True,
        queue_name: str = "Azure Pipelines",
        job_scope: str = "project",
        variables: dict[str, dict[str, Any]] | None = None,
        fork: dict[str, bool] | None = None,
        variable_groups: list[int] | None = None,
        folder: str = "\\",
    ) -> dict[str, Any]:
        def_id = self.s.next_id("build_definition")
        queue = self.project_queues[project["id"]][queue_name]
        author = self._people()[0] if self._people() else self.build_service[project["id"]]
        triggers: list[dict[str, Any]] = [{
            "branchFilters": ["+refs/heads/main"], "pathFilters": [], "batchChanges": False,
            "maxConcurrentBuildsPerBranch": 1, "pollingInterval": 0, "triggerType": "continuousIntegration",
        }]
        if fork is not None:
            triggers.append({
                "settingsSourceType": 2 if yaml else 1,
                "branchFilters": ["+refs/heads/main"],
                "forks": {"enabled": fork.get("enabled", False), "allowSecrets": fork.get("allowSecrets", False),
                          "allowFullAccessToken": fork.get("allowFullAccessToken", False)},
                "pathFilters": [],
                "requireCommentsForNonTeamMembersOnly": False,
                "isCommentRequiredForPullRequest": False,
                "triggerType": "pullRequest",
            })
        url = f"{self.s.base}/{project['id']}/_apis/build/Definitions/{def_id}?revision=1"
        project_ref = {k: project[k] for k in ("id", "name", "url", "state", "revision", "visibility",
                                               "lastUpdateTime")}
        definition: dict[str, Any] = {
            "options": [],
            "triggers": triggers,
            "variables": dict(variables or {}),
            "variableGroups": [self._vg_ref(vg_id) for vg_id in variable_groups or []],
            "retentionRules": [],
            "properties": {},
            "tags": [],
            "_links": {
                "self": {"href": url},
                "web": {"href": f"{self.s.base}/{project['id']}/_build/definition?definitionId={def_id}"},
                "editor": {"href": f"{self.s.base}/{project['id']}/_build/designer?id={def_id}&_a=edit-build-"
                                   "definition"},
                "badge": {"href": f"{self.s.base}/{project['id']}/_apis/build/status/{def_id}"},
            },
            "buildNumberFormat": "$(date:yyyyMMdd)$(rev:.r)",
            "jobAuthorizationScope": job_scope,
            "jobTimeoutInMinutes": 60,
            "jobCancelTimeoutInMinutes": 5,
            "badgeEnabled": False,
            "process": ({"yamlFilename": "/azure-pipelines.yml", "type": 2} if yaml
                        else {"phases": [{"steps": [], "name": "Agent job 1", "refName": "Job_1",
                                          "condition": "succeeded()", "target": {"executionOptions": {"type": 0},
                                                                                 "allowScriptsAuthAccessOption":
                                                                                 False, "type": 1},
                                          "jobAuthorizationScope": job_scope}], "type": 1}),
            "repository": {
                "properties": {"cleanOptions": "0", "labelSources": "0", "reportBuildStatus": "true",
                               "fetchDepth": "1"},
                "id": repo["id"],
                "type": "TfsGit",
                "name": repo["name"],
                "url": repo["remoteUrl"],
                "defaultBranch": repo.get("defaultBranch", "refs/heads/main"),
                "clean": None,
                "checkoutSubmodules": False,
            },
            "quality": "definition",
            "authoredBy": self.s.identity_ref(author),
            "drafts": [],
            "queue": {"_links": {"self": {"href": f"{self.s.base}/_apis/build/Queues/{queue['id']}"}},
                      "id": queue["id"], "name": queue["name"],
                      "url": f"{self.s.base}/_apis/build/Queues/{queue['id']}",
                      "pool": {"id": queue["pool"]["id"], "name": queue["pool"]["name"],
                               "isHosted": queue["pool"]["isHosted"]}},
            "id": def_id,
            "name": name,
            "url": url,
            "uri": f"vstfs:///Build/Definition/{def_id}",
            "path": folder,
            "type": "build",
            "queueStatus": "enabled",
            "revision": 1,
            "createdDate": self.ago(self.rng.uniform(20, 600)),
            "project": project_ref,
        }
        self.s.build_definitions[project["id"]].append(definition)
        return definition

    def _vg_ref(self, vg_id: int) -> dict[str, Any]:
        group = next(g for g in self.s.variable_groups if g["id"] == vg_id)
        return {"variables": {}, "type": group["type"], "name": group["name"], "id": vg_id}

    def release_definition(self, project: dict[str, Any], name: str, stages: list[dict[str, Any]], *,
                           variables: dict[str, dict[str, Any]] | None = None,
                           artifact: dict[str, Any] | None = None) -> dict[str, Any]:
        """A classic release pipeline; each stage is {name, approvers ([] = automated), creator_can_approve}."""
        def_id = self.s.next_id("release_definition")
        creator = self._people()[0]
        queue = self.project_queues[project["id"]]["Azure Pipelines"]
        environments = []
        for rank, stage in enumerate(stages, start=1):
            env_id = self.s.next_id("release_environment")
            approvers = stage.get("approvers", [])
            approvals = ([{"rank": 1, "isAutomated": True, "isNotificationOn": False, "id": self.s.next_id("appr")}]
                         if not approvers else
                         [{"rank": i + 1, "isAutomated": False, "isNotificationOn": True,
                           "approver": self.s.identity_ref(d), "id": self.s.next_id("appr")}
                          for i, d in enumerate(approvers)])
            environments.append({
                "id": env_id,
                "name": stage["name"],
                "rank": rank,
                "owner": self.s.identity_ref(creator),
                "variables": dict(stage.get("variables", {})),
                "variableGroups": [],
                "preDeployApprovals": {
                    "approvals": approvals,
                    "approvalOptions": {
                        "requiredApproverCount": None if not approvers else 1,
                        "releaseCreatorCanBeApprover": stage.get("creator_can_approve", False),
                        "autoTriggeredAndPreviousEnvironmentApprovedCanBeSkipped": False,
                        "enforceIdentityRevalidation": False,
                        "timeoutInMinutes": 0,
                        "executionOrder": "beforeGates",
                    },
                },
                "deployStep": {"id": self.s.next_id("appr")},
                "postDeployApprovals": {"approvals": [{"rank": 1, "isAutomated": True, "isNotificationOn": False,
                                                       "id": self.s.next_id("appr")}],
                                        "approvalOptions": None},
                "deployPhases": [{"deploymentInput": {"queueId": queue["id"], "skipArtifactsDownload": False},
                                  "rank": 1, "phaseType": "agentBasedDeployment", "name": "Agent job",
                                  "workflowTasks": []}],
                "environmentOptions": {"emailNotificationType": "OnlyOnFailure", "skipArtifactsDownload": False,
                                       "timeoutInMinutes": 0, "enableAccessToken": False,
                                       "publishDeploymentStatus": True},
                "demands": [],
                "conditions": [{"name": "ReleaseStarted", "conditionType": "event", "value": ""}],
                "executionPolicy": {"concurrencyCount": 1, "queueDepthCount": 0},
                "schedules": [],
                "retentionPolicy": {"daysToKeep": 30, "releasesToKeep": 3, "retainBuild": True},
                "preDeploymentGates": {"id": 0, "gatesOptions": None, "gates": []},
                "postDeploymentGates": {"id": 0, "gatesOptions": None, "gates": []},
                "processParameters": {},
                "properties": {},
            })
        url = f"https://vsrm.dev.azure.com/{self.s.organization}/{project['id']}/_apis/Release/definitions/{def_id}"
        definition = {
            "source": "userInterface",
            "revision": 1,
            "description": None,
            "createdBy": self.s.identity_ref(creator),
            "createdOn": self.ago(self.rng.uniform(50, 400)),
            "modifiedBy": self.s.identity_ref(creator),
            "modifiedOn": self.ago(self.rng.uniform(1, 40)),
            "isDeleted": False,
            "variables": dict(variables or {}),
            "variableGroups": [],
            "environments": environments,
            "artifacts": [artifact] if artifact else [],
            "triggers": [],
            "releaseNameFormat": "Release-$(rev:r)",
            "tags": [],
            "properties": {},
            "id": def_id,
            "name": name,
            "path": "\\",
            "projectReference": {"id": project["id"], "name": project["name"]},
            "url": url,
            "_links": {"self": {"href": url},
                       "web": {"href": f"{self.s.base}/{project['id']}/_release?definitionId={def_id}"}},
        }
        self.s.release_definitions[project["id"]].append(definition)
        return definition

    # ---- protected resources -----------------------------------------------------------------------------

    def pipeline_permission(self, project: dict[str, Any], resource_type: str, resource_id: str, name: str,
                            *, all_pipelines: bool = False, pipelines: list[int] | None = None) -> None:
        actor = self._people()[0] if self._people() else None
        body: dict[str, Any] = {"resource": {"type": resource_type, "id": resource_id, "name": name},
                                "pipelines": []}
        if all_pipelines:
            body["allPipelines"] = {
                "authorized": True,
                "authorizedBy": self.s.identity_ref(actor) if actor else None,
                "authorizedOn": self.ago(self.rng.uniform(10, 300)),
            }
        for pipeline_id in pipelines or []:
            body["pipelines"].append({"id": pipeline_id, "authorized": True,
                                      "authorizedBy": self.s.identity_ref(actor) if actor else None,
                                      "authorizedOn": self.ago(self.rng.uniform(1, 200))})
        self.s.pipeline_permissions[(project["id"], resource_type.lower(), resource_id.lower())] = body

    def service_endpoint(
        self,
        projects: list[dict[str, Any]],
        name: str,
        endpoint_type: str,
        scheme: str,
        *,
        parameters: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        url: str = "https://management.azure.com/",
        all_pipelines: bool = False,
        last_used_days: float | None = 1.0,
        pipelines: list[int] | None = None,
    ) -> dict[str, Any]:
        endpoint_id = self.guid()
        owner = self._people()[0]
        endpoint = {
            "data": dict(data or {}),
            "id": endpoint_id,
            "name": name,
            "type": endpoint_type,
            "url": url,
            "createdBy": self.s.identity_ref(owner),
            "description": "",
            "authorization": {"parameters": dict(parameters or {}), "scheme": scheme},
            "isShared": len(projects) > 1,
            "isReady": True,
            "owner": "Library",
            "operationStatus": {"state": "Ready", "statusMessage": ""},
            "serviceEndpointProjectReferences": [
                {"projectReference": {"id": p["id"], "name": p["name"]}, "name": name, "description": ""}
                for p in projects
            ],
        }
        self.s.service_endpoints.append(endpoint)
        for project in projects:
            self.pipeline_permission(project, "endpoint", endpoint_id, name, all_pipelines=all_pipelines,
                                     pipelines=pipelines)
        history = []
        if last_used_days is not None:
            project = projects[0]
            definitions = self.s.build_definitions.get(project["id"]) or []
            for n in range(2):
                finish = self.s.now - timedelta(days=last_used_days + n * 3, minutes=self.rng.randint(0, 600))
                definition = definitions[0] if definitions else None
                history.append({"data": {
                    "id": self.rng.randint(1000, 99999),
                    "planType": "Build",
                    "scopeId": project["id"],
                    "planId": self.guid(),
                    "definition": ({"id": definition["id"], "name": definition["name"]} if definition
                                   else {"id": 0, "name": ""}),
                    "owner": {"id": self.rng.randint(100, 9999), "name": f"{self.rng.randint(1000, 9999)}"},
                    "startTime": iso(finish - timedelta(minutes=4)),
                    "finishTime": iso(finish),
                    "result": "succeeded",
                }, "endpointId": endpoint_id})
        self.s.endpoint_history[endpoint_id] = history
        return endpoint

    def azurerm(self, projects: list[dict[str, Any]], name: str, *, wif: bool, scope_level: str = "Subscription",
                resource_group: str | None = None, **kwargs: Any) -> dict[str, Any]:
        subscription = self.guid()
        parameters: dict[str, Any] = {"tenantid": self.s.tenant_id, "serviceprincipalid": self.guid(),
                                      "authenticationType": "spnKey" if not wif else None}
        if wif:
            parameters = {"tenantid": self.s.tenant_id, "serviceprincipalid": self.guid(),
                          "workloadIdentityFederationIssuer": f"https://login.microsoftonline.com/"
                                                              f"{self.s.tenant_id}/v2.0",
                          "workloadIdentityFederationSubject": f"sc://{self.s.organization}/"
                                                               f"{projects[0]['name']}/{name}"}
        else:
            parameters["serviceprincipalkey"] = None
        data: dict[str, Any] = {"environment": "AzureCloud", "scopeLevel": scope_level,
                                "creationMode": "Automatic" if wif else "Manual"}
        if scope_level == "ManagementGroup":
            data.update({"managementGroupId": f"mg-{name}", "managementGroupName": f"MG {name}"})
            parameters["scope"] = f"/providers/Microsoft.Management/managementGroups/mg-{name}"
        else:
            data.update({"subscriptionId": subscription, "subscriptionName": f"{name}-subscription"})
            parameters["scope"] = (f"/subscriptions/{subscription}/resourcegroups/{resource_group}"
                                   if resource_group else f"/subscriptions/{subscription}")
        return self.service_endpoint(projects, name, "azurerm",
                                     "WorkloadIdentityFederation" if wif else "ServicePrincipal",
                                     parameters={k: v for k, v in parameters.items()
                                                 if v is not None or k == "serviceprincipalkey"},
                                     data=data, **kwargs)

    def variable_group(self, projects: list[dict[str, Any]], name: str, variables: dict[str, dict[str, Any]], *,
                       key_vault: dict[str, Any] | None = None, all_pipelines: bool = False,
                       description: str = "") -> dict[str, Any]:
        vg_id = self.s.next_id("variable_group")
        owner = self._people()[0]
        group: dict[str, Any] = {
            "variables": {k: dict(v) for k, v in variables.items()},
            "id": vg_id,
            "type": "AzureKeyVault" if key_vault else "Vsts",
            "name": name,
            "description": description,
            "createdBy": self.s.identity_ref(owner),
            "createdOn": self.ago(self.rng.uniform(30, 600)),
            "modifiedBy": self.s.identity_ref(owner),
            "modifiedOn": self.ago(self.rng.uniform(1, 30)),
            "isShared": len(projects) > 1,
            "variableGroupProjectReferences": [
                {"projectReference": {"id": p["id"], "name": p["name"]}, "name": name, "description": description}
                for p in projects
            ],
        }
        if key_vault:
            group["providerData"] = key_vault
        for value in group["variables"].values():
            if value.get("isSecret"):
                value["value"] = None
        self.s.variable_groups.append(group)
        for project in projects:
            self.pipeline_permission(project, "variablegroup", str(vg_id), name, all_pipelines=all_pipelines)
        return group

    def secure_file(self, project: dict[str, Any], name: str, *, all_pipelines: bool = False) -> dict[str, Any]:
        owner = self._people()[0]
        item = {"id": self.guid(), "name": name, "properties": {}, "createdBy": self.s.identity_ref(owner),
                "createdOn": self.ago(self.rng.uniform(20, 300)), "modifiedBy": self.s.identity_ref(owner),
                "modifiedOn": self.ago(self.rng.uniform(1, 20)), "ticket": None}
        self.s.secure_files[project["id"]].append(item)
        self.pipeline_permission(project, "securefile", item["id"], name, all_pipelines=all_pipelines)
        return item

    def environment(self, project: dict[str, Any], name: str, *, all_pipelines: bool = False) -> dict[str, Any]:
        owner = self._people()[0]
        env_id = self.s.next_id("environment")
        item = {"id": env_id, "name": name, "description": f"{name} environment",
                "createdBy": self.s.identity_ref(owner), "createdOn": self.ago(self.rng.uniform(30, 400)),
                "lastModifiedBy": self.s.identity_ref(owner), "lastModifiedOn": self.ago(self.rng.uniform(1, 30)),
                "project": {"id": project["id"], "name": project["name"]}, "resources": []}
        self.s.environments[project["id"]].append(item)
        self.pipeline_permission(project, "environment", str(env_id), name, all_pipelines=all_pipelines)
        return item

    def check(self, project: dict[str, Any], resource_type: str, resource_id: str, resource_name: str, *,
              approvers: list[str] | None = None, requester_cannot_approve: bool = True,
              branch_control: str | None = None) -> dict[str, Any]:
        """An Approval check (approvers = descriptors) or, with `branch_control`, a Branch control check."""
        check_id = self.s.next_id("check")
        actor = self._people()[0]
        url = f"{self.s.base}/{project['id']}/_apis/pipelines/checks/configurations/{check_id}"
        if branch_control is not None:
            check_type = BRANCH_CONTROL_CHECK_TYPE
            settings: dict[str, Any] = {
                "displayName": "Branch control",
                "definitionRef": {"id": "86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b", "name": "evaluatebranchProtection",
                                  "version": "0.0.1"},
                "inputs": {"allowedBranches": branch_control, "ensureProtectionOfBranch": "true",
                           "allowUnknownStatusBranch": "false"},
                "retryInterval": 5,
            }
            timeout = 1440
        else:
            check_type = APPROVAL_CHECK_TYPE
            settings = {
                "approvers": [self._approver(d) for d in approvers or []],
                "executionOrder": "anyOrder",
                "minRequiredApprovers": 1,
                "instructions": "Approve production deployments after change review.",
                "blockedApprovers": [],
                "requesterCannotBeApprover": requester_cannot_approve,
            }
            timeout = 43200
        item = {
            "settings": settings,
            "createdBy": self.s.identity_ref(actor),
            "createdOn": self.ago(self.rng.uniform(10, 200)),
            "modifiedBy": self.s.identity_ref(actor),
            "modifiedOn": self.ago(self.rng.uniform(1, 10)),
            "timeout": timeout,
            "_links": {"self": {"href": url}},
            "id": check_id,
            "version": 1,
            "type": dict(check_type),
            "url": url,
            "resource": {"type": resource_type, "id": resource_id, "name": resource_name},
            "isDisabled": False,
        }
        self.s.check_configurations[project["id"]].append(item)
        return item

    def _approver(self, descriptor: str) -> dict[str, Any]:
        ref = self.s.identity_ref(descriptor)
        return {k: ref[k] for k in ("displayName", "id", "uniqueName", "descriptor", "imageUrl", "url")}

    # ---- security, audit, artifacts, extensions ------------------------------------------------------------

    def acl(self, namespace: str, token: str, aces: list[tuple[str, int, int]], inherit: bool = True) -> None:
        """An ACL in a namespace; aces = (graph descriptor, allow, deny) keyed by legacy descriptors."""
        dictionary = {}
        for descriptor, allow, deny in aces:
            legacy = self.s.subjects[descriptor]["_legacy"]
            dictionary[legacy] = {"descriptor": legacy, "allow": allow, "deny": deny,
                                  "extendedInfo": {"effectiveAllow": allow, "effectiveDeny": deny}}
        self.s.acls.setdefault(NAMESPACE_IDS[namespace], []).append(
            {"inheritPermissions": inherit, "token": token, "acesDictionary": dictionary})

    def acl_project(self, project: dict[str, Any]) -> None:
        groups = self.project_groups[project["id"]]
        service = self.build_service[project["id"]]
        pid = project["id"]
        self.acl("Git Repositories", f"repoV2/{pid}", [
            (groups["admins"], 65535, 0), (groups["contributors"], 16502, 0), (groups["readers"], 2, 0),
            (service, 16502, 0),
        ])
        self.acl("Build", pid, [(groups["admins"], 32767, 0), (groups["build_admins"], 32767, 0),
                                (groups["contributors"], 3281, 0), (groups["readers"], 1025, 0), (service, 1153, 0)])
        self.acl("Project", f"$PROJECT:vstfs:///Classification/TeamProject/{pid}", [
            (groups["admins"], 16777215, 0), (groups["contributors"], 1, 0), (groups["readers"], 1, 0),
            (groups["valid"], 1, 0)])
        self.acl("ServiceEndpoints", f"endpoints/{pid}", [(groups["admins"], 31, 0), (groups["contributors"], 17, 0)])
        self.acl("Library", f"Library/{pid}", [(groups["admins"], 63, 0), (groups["contributors"], 21, 0)])
        self.acl("Environment", f"Environments/{pid}", [(groups["admins"], 63, 0), (groups["contributors"], 49, 0)])
        self.acl("Identity", pid, [(groups["admins"], 31, 0)])

    def audit(self, action_id: str, area: str, category: str, details: str, *, actor: str | None = None,
              project: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
              when: datetime | None = None) -> dict[str, Any]:
        """Append one audit-log entry (see `audit_entry`)."""
        entry = audit_entry(self.s, action_id, area, category, details, actor=actor or self._people()[0],
                            project=project, data=data, when=when or (
                                self.s.now - timedelta(days=self.rng.uniform(0, 6),
                                                       seconds=self.rng.randint(0, 3599))),
                            rng=self.rng)
        self.s.audit_log.append(entry)
        return entry

    def feed(self, project: dict[str, Any] | None, name: str,
             permissions: list[tuple[str, str]], *, upstream: bool = True) -> dict[str, Any]:
        """A feed; permissions = (role, descriptor)."""
        feed_id = self.guid()
        host = f"https://feeds.dev.azure.com/{self.s.organization}"
        item = {
            "id": feed_id,
            "name": name,
            "description": f"{name} packages",
            "url": f"{host}/{project['id'] + '/' if project else ''}_apis/Packaging/Feeds/{feed_id}",
            "_links": {"self": {"href": f"{host}/_apis/Packaging/Feeds/{feed_id}"}},
            "project": {"id": project["id"], "name": project["name"], "visibility": project["visibility"]}
            if project else None,
            "upstreamEnabled": upstream,
            "upstreamSources": ([{"id": self.guid(), "name": "npmjs", "protocol": "npm",
                                  "location": "https://registry.npmjs.org/", "displayLocation":
                                  "https://registry.npmjs.org/", "upstreamSourceType": "public", "status": "ok"}]
                                if upstream else []),
            "badgesEnabled": False,
            "hideDeletedPackageVersions": True,
            "isReadOnly": False,
            "capabilities": "upstreamV2",
            "defaultViewId": self.guid(),
            "fullyQualifiedId": feed_id,
            "fullyQualifiedName": name,
            "upstreamEnabledChangedDate": None,
            "viewId": None,
            "viewName": None,
        }
        self.s.feeds.append(item)
        self.s.feed_permissions[feed_id] = [
            {"role": role, "identityDescriptor": self.s.subjects[d]["_legacy"],
             "identityId": self.s.subjects[d]["_id"], "displayName": self.s.subjects[d]["principalName"],
             "isInheritedRole": False}
            for role, d in permissions
        ]
        return item

    def extension(self, publisher_id: str, publisher_name: str, extension_id: str, name: str, *,
                  version: str, scopes: list[str], last_published_days: float, built_in: bool = False,
                  decorator: bool = False) -> None:
        contributions = [{"id": f"{publisher_id}.{extension_id}.hub", "type": "ms.vss-web.hub",
                          "targets": ["ms.vss-code-web.code-hub-group"], "properties": {"name": name}}]
        if decorator:
            contributions.append({
                "id": f"{publisher_id}.{extension_id}.required-prejob-decorator",
                "type": "ms.azure-pipelines.pipeline-decorator",
                "targets": ["ms.azure-pipelines-agent-job.pre-job-tasks"],
                "properties": {"template": "decorator.yml"},
            })
        published = self.s.now - timedelta(days=last_published_days)
        self.s.extensions.append({
            "extensionId": extension_id,
            "extensionName": name,
            "publisherId": publisher_id,
            "publisherName": publisher_name,
            "version": version,
            "registrationId": self.guid(),
            "manifestVersion": 1,
            "baseUri": f"https://{publisher_id}.gallerycdn.vsassets.io/extensions/{publisher_id}/{extension_id}/"
                       f"{version}/{int(published.timestamp() * 1000)}",
            "fallbackBaseUri": f"https://{publisher_id}.gallery.vsassets.io/_apis/public/gallery/publisher/"
                               f"{publisher_id}/extension/{extension_id}/{version}/assetbyname",
            "scopes": scopes,
            "flags": "builtIn, trusted" if built_in else "none",
            "installState": {"flags": "builtIn" if built_in else "none",
                             "lastUpdated": iso(published + timedelta(days=1))},
            "lastPublished": iso(published),
            "contributions": contributions,
            "contributionTypes": [],
            "files": [{"assetType": "Microsoft.VisualStudio.Services.Manifest", "language": None,
                       "source": "extension.vsomanifest"}],
        })

    def _people(self) -> list[str]:
        return self.people


def audit_entry(state: OrgState, action_id: str, area: str, category: str, details: str, *, actor: str,
                project: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
                when: datetime | None = None, rng: random.Random | None = None) -> dict[str, Any]:
    """One audit-log entry exactly as the audit API decorates it (actor, scope, project, category names)."""
    when = when or datetime.now(UTC)
    subject = state.subjects[actor]
    seed_text = f"{action_id}{iso(when)}{len(state.audit_log)}"
    digest = hashlib.sha256(seed_text.encode()).hexdigest()
    correlation = str(uuid.UUID(digest[:32]))
    ticks = int((when - datetime(1, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
    entry: dict[str, Any] = {
        "id": f"{2518505063644965580 - ticks % 10**12};{len(state.audit_log) + 1:08x}-0000-8888-8000-000000000000;"
              f"{correlation}",
        "correlationId": correlation,
        "activityId": str(uuid.UUID(digest[32:64])),
        "actorCUID": subject["_id"],
        "actorUserId": subject["_id"],
        "actorClientId": subject.get("applicationId", "00000000-0000-0000-0000-000000000000"),
        "actorUPN": subject["principalName"],
        "authenticationMechanism": "AAD_Cookie" if subject["subjectKind"] == "user" else "ServicePrincipal",
        "timestamp": iso(when),
        "scopeType": "organization",
        "scopeDisplayName": f"{state.organization} (Organization)",
        "scopeId": state.org_id,
        "projectId": project["id"] if project else None,
        "projectName": project["name"] if project else None,
        "ipAddress": f"10.{(rng or random).randint(0, 255)}.{(rng or random).randint(0, 255)}.12",
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/124.0 Safari/537.36",
        "actionId": action_id,
        "data": dict(data or {}),
        "details": details,
        "area": area,
        "category": category,
        "categoryDisplayName": category.capitalize(),
        "actorDisplayName": subject["displayName"],
        "actorImageUrl": f"{state.base}/_apis/GraphProfile/MemberAvatars/{actor}",
    }
    return entry


# ---------------------------------------------------------------------------------------------------------
# demo preset

DEMO_RULE_EXAMPLES: dict[str, dict[str, Any]] = {
    "sc.all_pipelines_access": {
        "resource_type": "service_connections",
        "violating": ["legacy-azure-secret"],
        "compliant": ["prod-azure-wif", "payments-azure-wif", "github-contoso"],
        "note": "pipeline_permissions(endpoint).allPipelines.authorized is true only for legacy-azure-secret.",
    },
    "vg.secret_all_pipelines_access": {
        "resource_type": "variable_groups",
        "violating": ["prod-secrets"],
        "compliant": ["payments-prod-kv", "shared-settings"],
        "note": "shared-settings is open to all pipelines but holds no secret; payments-prod-kv is Key Vault "
                "linked and not open to all pipelines.",
    },
    "sf.all_pipelines_access": {
        "resource_type": "secure_files",
        "violating": ["signing-cert.pfx"],
        "compliant": ["ios-provisioning.mobileprovision"],
    },
    "resource.all_pipelines_access": {
        "resource_type": "environments, agent_queues, repositories",
        "violating": ["staging", "self-hosted-linux", "shared-templates"],
        "compliant": ["production", "Azure Pipelines", "payments-api"],
        "note": "environment staging and repository shared-templates (Contoso Web), queue self-hosted-linux "
                "(Contoso Web) are authorized for all pipelines; nothing else is.",
    },
    "build.fork_secrets_or_full_token": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "oss-cli-ci"],
        "compliant": ["payments-ci", "data-pipelines-ci"],
        "note": "web-ci: forks enabled with allowSecrets; oss-cli-ci: forks enabled with allowFullAccessToken.",
    },
    "pipeline.fork_protection_settings": {
        "resource_type": "pipeline_settings",
        "violating": ["Contoso Web"],
        "compliant": ["Payments", "Data Platform", "Open Source Tools"],
        "note": "Contoso Web has forkProtectionEnabled, enforceNoAccessToSecretsFromForks, "
                "enforceJobAuthScopeForForks and isCommentRequiredForPullRequest all false.",
    },
    "build.fork_on_self_hosted": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["oss-cli-ci", "payments-ci"],
        "note": "web-ci builds forks on queue self-hosted-linux (pool isHosted false); oss-cli-ci builds forks "
                "on the hosted Azure Pipelines pool.",
    },
    "org.public_projects": {
        "resource_type": "projects, organization_policies",
        "violating": ["Open Source Tools", "Policy.AllowAnonymousAccess"],
        "compliant": ["Contoso Web", "Payments", "Data Platform"],
        "note": "Open Source Tools is visibility=public and Policy.AllowAnonymousAccess is true.",
    },
    "pipeline.job_auth_scope": {
        "resource_type": "pipeline_settings, build_definitions",
        "violating": ["Contoso Web", "Data Platform", "legacy-nightly"],
        "compliant": ["Payments", "Open Source Tools", "payments-ci"],
        "note": "Contoso Web: enforceJobAuthScope and enforceJobAuthScopeForReleases false; Data Platform: "
                "enforceJobAuthScopeForReleases false; legacy-nightly: jobAuthorizationScope projectCollection.",
    },
    "pipeline.repo_scoped_token": {
        "resource_type": "pipeline_settings",
        "violating": ["Contoso Web"],
        "compliant": ["Payments", "Data Platform", "Open Source Tools"],
    },
    "pipeline.settable_variables": {
        "resource_type": "pipeline_settings, build_definitions",
        "violating": ["Contoso Web", "web-ci"],
        "compliant": ["Payments", "payments-ci"],
        "note": "Contoso Web: enforceSettableVar false; web-ci: variable deployUrl (a URL) has allowOverride "
                "true. No other variable anywhere has allowOverride true.",
    },
    "pipeline.classic_creation": {
        "resource_type": "pipeline_settings, build_definitions",
        "violating": ["Contoso Web", "Data Platform", "legacy-nightly"],
        "compliant": ["Payments", "Open Source Tools", "web-ci"],
        "note": "Contoso Web and Data Platform do not disable classic pipeline creation; legacy-nightly is the "
                "only classic (process.type 1) build definition. Release definitions are classic by nature: "
                "web-release, payments-release, data-release.",
    },
    "repo.default_branch_reviewers": {
        "resource_type": "repositories",
        "violating": ["web-legacy", "shared-templates", "payments-infra", "oss-cli"],
        "compliant": ["contoso-web", "payments-api", "data-pipelines", "notebooks", "web-experiments"],
        "note": "web-legacy: 1 approver; shared-templates: policy disabled; payments-infra: creatorVoteCounts "
                "true; oss-cli: no policy. Data Platform repositories are covered by a project-wide "
                "DefaultBranch policy (repositoryId null). web-archive is disabled (isDisabled true) and out of "
                "scope.",
    },
    "repo.default_branch_build_validation": {
        "resource_type": "repositories",
        "violating": ["web-legacy", "shared-templates", "oss-cli"],
        "compliant": ["contoso-web", "payments-api", "payments-infra", "data-pipelines", "notebooks",
                      "web-experiments"],
        "note": "web-legacy has a Build policy that is not blocking. web-archive is disabled.",
    },
    "env.prod_approval": {
        "resource_type": "environments",
        "violating": ["prod-eu", "payments-prod", "production-data"],
        "compliant": ["production"],
        "note": "prod-eu: approver is the Contributors group (broad); payments-prod: no approval; "
                "production-data: requesterCannotBeApprover false. Non-production: staging, dev, payments-dev.",
    },
    "release.prod_approval": {
        "resource_type": "release_definitions",
        "violating": ["payments-release", "data-release"],
        "compliant": ["web-release"],
        "note": "payments-release stage Production is automated; data-release stage Pre-Prod lets the release "
                "creator approve.",
    },
    "secrets.plaintext": {
        "resource_type": "build_definitions, release_definitions, variable_groups, agents",
        "violating": ["legacy-nightly", "data-release", "build-config", "build-agent-02"],
        "compliant": ["payments-ci", "web-release", "prod-secrets", "build-agent-01"],
        "note": "legacy-nightly: storageConnectionString with AccountKey=; data-release: apiToken ghp_...; "
                "build-config: dbPassword in plain text; agent build-agent-02: user capability DEPLOY_PAT.",
    },
    "sc.azure_auth_and_scope": {
        "resource_type": "service_connections",
        "violating": ["legacy-azure-secret", "data-azure-mg"],
        "compliant": ["prod-azure-wif", "payments-azure-wif"],
        "note": "legacy-azure-secret: authenticationType spnKey and whole-subscription scope; data-azure-mg: "
                "scopeLevel ManagementGroup.",
    },
    "sc.classic_azure": {
        "resource_type": "service_connections",
        "violating": ["classic-azure-subscription"],
        "compliant": ["prod-azure-wif"],
    },
    "sc.cross_project_sharing": {
        "resource_type": "service_connections",
        "violating": ["github-contoso"],
        "compliant": ["prod-azure-wif", "dockerhub-payments"],
        "note": "github-contoso is shared with Contoso Web and Open Source Tools.",
    },
    "sc.inactive": {
        "resource_type": "service_connections",
        "violating": ["legacy-azure-secret", "classic-azure-subscription"],
        "compliant": ["prod-azure-wif", "payments-azure-wif"],
        "note": "last execution 400 and 250 days ago; every other connection ran within the last 10 days.",
    },
    "protected_resource.checks": {
        "resource_type": "service_connections, variable_groups",
        "violating": ["prod-secrets"],
        "compliant": ["prod-azure-wif", "payments-prod-kv"],
        "note": "Production resources are the ones named *prod*. prod-azure-wif and payments-prod-kv have a "
                "Branch control check (refs/heads/main) and an approval by named people; prod-secrets has no "
                "check.",
    },
    "users.inactive": {
        "resource_type": "user_entitlements",
        "violating": ["Dana Old", "Nate Never", "Grace Guest"],
        "compliant": ["Alice Admin", "Nina New"],
        "note": "Dana Old last accessed 200 days ago; Nate Never never signed in and was created 120 days ago; "
                "Grace Guest (guest) last accessed 150 days ago. Nina New never signed in but was created 5 "
                "days ago.",
    },
    "admins.guest_or_inactive": {
        "resource_type": "users / effective group memberships",
        "violating": ["Grace Guest", "Dana Old"],
        "compliant": ["Alice Admin", "Bob Ops"],
        "note": "Grace Guest is in Project Collection Administrators through the Entra group Platform Admins; "
                "Dana Old through Platform Admins > Break Glass (depth 2) and directly in [Data Platform]\\Project "
                "Administrators.",
    },
    "admins.count_bounds": {
        "resource_type": "groups",
        "violating": ["Project Collection Administrators", "[Payments]\\Project Administrators"],
        "compliant": ["[Contoso Web]\\Project Administrators", "[Open Source Tools]\\Project Administrators"],
        "note": "Eve Direct is a direct member of Project Collection Administrators (5 humans in total, within "
                "[2, 6]); Payments has a single project administrator.",
    },
    "org.identity_policies": {
        "resource_type": "organization_policies",
        "violating": ["Policy.DisallowAadGuestUserAccess", "Policy.EnforceAADConditionalAccess",
                      "Policy.AllowRequestAccessToken"],
        "compliant": ["Policy.AllowTeamAdminsInvitationsAccessToken"],
        "note": "Values are the stored policy values: DisallowAadGuestUserAccess=false (guests allowed), "
                "EnforceAADConditionalAccess=false, AllowRequestAccessToken=true, "
                "AllowTeamAdminsInvitationsAccessToken=false. The organization is Entra-backed.",
    },
    "org.app_access_policies": {
        "resource_type": "organization_policies",
        "violating": ["Policy.DisallowOAuthAuthentication"],
        "compliant": ["Policy.DisallowSecureShell"],
        "note": "DisallowOAuthAuthentication=false (OAuth apps allowed); DisallowSecureShell=true.",
    },
    "org.audit_streaming": {
        "resource_type": "audit_streams",
        "violating": ["legacy-eventgrid"],
        "compliant": ["splunk-siem"],
        "note": "Policy.LogAuditEvents is true and splunk-siem is enabled, so the organization as a whole "
                "passes; legacy-eventgrid is disabledByUser. The admin change set_audit_stream can disable all.",
    },
    "ext.risky_extensions": {
        "resource_type": "extensions",
        "violating": ["Pipeline Injector", "Legacy Widgets"],
        "compliant": ["Microsoft Security DevOps", "Code Search"],
        "note": "Pipeline Injector (publisher sketchy-tools) contributes a pipeline decorator and holds "
                "vso.code_write/vso.build_execute; Legacy Widgets (old-vendor) was last published 5 years ago. "
                "Code Search is built in; Microsoft Security DevOps is from Microsoft.",
    },
    "feeds.supply_chain": {
        "resource_type": "feeds",
        "violating": ["contoso-shared", "payments-internal"],
        "compliant": ["web-packages"],
        "note": "contoso-shared: Project Collection Valid Users are contributors; payments-internal: the Payments "
                "build service is administrator. Policy.ArtifactsExternalPackageProtectionToken is true.",
    },
}

SECRET_LIKE = {
    "storage_connection": "DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey="
                          "q7ZbYw3kX9vJt2LmN8pR4sT6uV0wX1yZ2aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ==;"
                          "EndpointSuffix=core.windows.net",
    "github_token": "ghp_4f8Kx2LmQ9vRt6YwZ1aB3cD5eF7gH9iJ0kL2",
    "password": "Sup3rS3cret!Passw0rd",
    "pat": "k3v7q2w9x4y8z1a5b6c0d2e4f6g8h0i1j3k5l7m9n0p2q4r6s8t1",
}


def _var(value: str | None, *, secret: bool = False, override: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {"value": None if secret else value, "allowOverride": override}
    if secret:
        item["isSecret"] = True
    return item


def _populate_demo(b: _Builder) -> None:
    s = b.s
    org = s.organization
    domain = f"{org}.com"
    people = {}
    for display, alias, extra in [
        ("Alice Admin", "alice", {}),
        ("Bob Ops", "bob", {}),
        ("Carol Lead", "carol", {}),
        ("Dana Old", "dana", {"last_access_days": 200}),
        ("Eve Direct", "eve", {}),
        ("Frank Finance", "frank", {}),
        ("Henry Data", "henry", {}),
        ("Ivan Oss", "ivan", {}),
        ("Judy Dev", "judy", {}),
        ("Karl Dev", "karl", {"license_type": "advanced"}),
        ("Lena Test", "lena", {"license_type": "stakeholder", "last_access_days": 20}),
        ("Mallory Contractor", "mallory", {"last_access_days": 40}),
        ("Nate Never", "nate", {"last_access_days": None, "created_days": 120}),
        ("Nina New", "nina", {"last_access_days": None, "created_days": 5}),
        ("Olivia Sec", "olivia", {}),
        ("Peggy PM", "peggy", {"license_type": "stakeholder"}),
        ("Quinn QA", "quinn", {}),
        ("Rita Release", "rita", {}),
    ]:
        people[alias] = b.user(display, f"{alias}@{domain}", **extra)
    people["grace"] = b.user("Grace Guest", f"grace_partner.example#EXT#@{org}.onmicrosoft.com",
                             meta_type="guest", last_access_days=150, created_days=500)
    people["sam"] = b.user("Sam Personal", "sam.personal@outlook.com", origin="msa", meta_type="member",
                           last_access_days=3)
    s.owner = {"descriptor": people["alice"]}
    b.pat(people["alice"], "inventory-readonly", "vso.code vso.build vso.graph vso.project", 60)
    b.pat(people["alice"], "full-access-legacy", "app_token", 300)
    b.pat(people["bob"], "ops-automation", "vso.build_execute vso.release_execute", 20)
    b.pat(people["bob"], "old-expired", "vso.code_write", -30)
    b.pat(people["judy"], "local-dev", "app_token", 90)
    b.collection_groups()
    sp = b.service_principal("resmo-scanner", application_id=b.guid(), object_id=b.guid())
    s.entra_sp = {"descriptor": sp}
    b.member(b.pcsa, sp)
    deploy_sp = b.service_principal("deploy-automation")

    platform_admins = b.group("Platform Admins", "Entra group of the platform team.", aad=True)
    break_glass = b.group("Break Glass", "Emergency administrators (nested in Platform Admins).")
    b.member(b.pca, platform_admins)
    b.member(b.pca, people["eve"])
    for alias in ("alice", "bob", "grace"):
        b.member(platform_admins, people[alias])
    b.member(platform_admins, break_glass)
    b.member(break_glass, people["dana"])
    developers = b.group("Contoso Developers", "All engineers (Entra group).", aad=True)
    for alias in ("carol", "judy", "karl", "quinn", "mallory", "sam"):
        b.member(developers, people[alias])

    contoso_web = b.project("Contoso Web", "Public website and customer portal.", settings={
        "enforceJobAuthScope": False, "enforceJobAuthScopeForReleases": False,
        "enforceReferencedRepoScopedToken": False, "enforceSettableVar": False,
        "disableClassicPipelineCreation": False, "disableClassicBuildPipelineCreation": False,
        "disableClassicReleasePipelineCreation": False, "forkProtectionEnabled": False,
        "enforceJobAuthScopeForForks": False, "enforceNoAccessToSecretsFromForks": False,
        "isCommentRequiredForPullRequest": False, "statusBadgesArePrivate": False,
    })
    payments = b.project("Payments", "Card processing and ledger services.", template=SCRUM_TEMPLATE)
    data = b.project("Data Platform", "Data pipelines, notebooks and analytics.", template=BASIC_TEMPLATE,
                     settings={"enforceJobAuthScopeForReleases": False, "disableClassicPipelineCreation": False,
                               "disableClassicBuildPipelineCreation": False,
                               "disableClassicReleasePipelineCreation": False})
    oss = b.project("Open Source Tools", "Tools we publish on the internet.", visibility="public")
    projects = {"web": contoso_web, "pay": payments, "data": data, "oss": oss}
    admins = {
        "web": ["alice", "carol"], "pay": ["frank"], "data": ["henry", "dana"], "oss": ["alice", "ivan"],
    }
    contributors = {
        "web": ["judy", "karl", "mallory", "quinn"], "pay": ["rita", "olivia", "karl"],
        "data": ["henry", "karl", "sam"], "oss": ["ivan", "judy", "grace"],
    }
    for key, project in projects.items():
        groups = b.project_groups[project["id"]]
        for alias in admins[key]:
            b.member(groups["admins"], people[alias])
        for alias in contributors[key]:
            b.member(groups["contributors"], people[alias])
        b.member(groups["readers"], people["peggy"])
        team_id = project["_defaultTeam"]
        for alias in admins[key]:
            b.team_member(team_id, people[alias], admin=True)
        for alias in contributors[key]:
            b.team_member(team_id, people[alias])
    b.member(b.project_groups[contoso_web["id"]]["contributors"], developers)
    qa_team = b.team(contoso_web, "Quality assurance", "Testing staff")
    b.team_member(qa_team, people["quinn"], admin=True)
    b.team_member(qa_team, people["lena"])

    self_hosted = b.pool(3, "self-hosted-linux", hosted=False, auto_update=True)
    b.agent(self_hosted, "build-agent-01", {"LABEL": "linux-docker"})
    b.agent(self_hosted, "build-agent-02", {"DEPLOY_PAT": SECRET_LIKE["pat"]})
    shq = b.queue(contoso_web, self_hosted)
    b.pipeline_permission(contoso_web, "queue", str(shq["id"]), "self-hosted-linux", all_pipelines=True)
    b.queue(data, self_hosted)

    # repositories and branch policies
    web_repo = b.repository(contoso_web, "contoso-web", branches=6)
    web_legacy = b.repository(contoso_web, "web-legacy", default_branch="refs/heads/master")
    templates = b.repository(contoso_web, "shared-templates")
    b.pipeline_permission(contoso_web, "repository", f"{contoso_web['id']}.{templates['id']}", "shared-templates",
                          all_pipelines=True)
    b.repository(contoso_web, "web-archive", disabled=True)
    pay_api = b.repository(payments, "payments-api", branches=4)
    pay_infra = b.repository(payments, "payments-infra")
    data_repo = b.repository(data, "data-pipelines")
    b.repository(data, "notebooks")
    b.repository(data, "web-experiments", fork_of=web_repo)
    oss_repo = b.repository(oss, "oss-cli", branches=5)

    web_ci = b.build_definition(contoso_web, "web-ci", web_repo, queue_name="self-hosted-linux", variables={
        "deployUrl": _var("https://contoso-web-prod.azurewebsites.net", override=True),
        "nodeVersion": _var("20.x"),
    }, fork={"enabled": True, "allowSecrets": True, "allowFullAccessToken": False})
    legacy_ci = b.build_definition(contoso_web, "web-legacy-ci", web_legacy)
    b.build_definition(contoso_web, "shared-templates-validate", templates)
    pay_ci = b.build_definition(payments, "payments-ci", pay_api, variables={
        "stripeApiKey": _var(None, secret=True), "region": _var("westeurope"),
    }, fork={"enabled": False})
    pay_infra_ci = b.build_definition(payments, "payments-infra-ci", pay_infra)
    data_ci = b.build_definition(data, "data-pipelines-ci", data_repo, fork={"enabled": False})
    b.build_definition(data, "legacy-nightly", data_repo, yaml=False, job_scope="projectCollection",
                       queue_name="self-hosted-linux", variables={
                           "storageConnectionString": _var(SECRET_LIKE["storage_connection"]),
                           "retentionDays": _var("14"),
                       })
    b.build_definition(oss, "oss-cli-ci", oss_repo,
                       fork={"enabled": True, "allowSecrets": False, "allowFullAccessToken": True})

    b.reviewers_policy(contoso_web, web_repo)
    b.build_policy(contoso_web, web_repo, web_ci["id"])
    b.reviewers_policy(contoso_web, web_legacy, minimum=1)
    b.build_policy(contoso_web, web_legacy, legacy_ci["id"], blocking=False)
    b.reviewers_policy(contoso_web, templates, enabled=False)
    b.policy(contoso_web, COMMENTS_POLICY_TYPE, {"scope": [b._scope(web_repo)]})
    b.reviewers_policy(payments, pay_api)
    b.build_policy(payments, pay_api, pay_ci["id"])
    b.reviewers_policy(payments, pay_infra, creator_counts=True)
    b.build_policy(payments, pay_infra, pay_infra_ci["id"])
    b.policy(payments, REQUIRED_REVIEWERS_TYPE, {
        "requiredReviewerIds": [s.subjects[people["olivia"]]["_id"]], "minimumApproverCount": 1,
        "filenamePatterns": ["/src/ledger/*"], "addedFilesOnly": False, "message": "Security review",
        "scope": [b._scope(pay_api)]})
    b.reviewers_policy(data, None)
    b.build_policy(data, None, data_ci["id"])

    # environments and checks
    production = b.environment(contoso_web, "production")
    b.environment(contoso_web, "staging", all_pipelines=True)
    prod_eu = b.environment(contoso_web, "prod-eu")
    b.environment(contoso_web, "dev")
    b.environment(payments, "payments-prod")
    b.environment(payments, "payments-dev")
    prod_data = b.environment(data, "production-data")
    b.check(contoso_web, "environment", str(production["id"]), "production",
            approvers=[people["alice"], people["olivia"]])
    b.check(contoso_web, "environment", str(prod_eu["id"]), "prod-eu",
            approvers=[b.project_groups[contoso_web["id"]]["contributors"]])
    b.check(data, "environment", str(prod_data["id"]), "production-data", approvers=[people["henry"]],
            requester_cannot_approve=False)

    # service connections
    prod_wif = b.azurerm([contoso_web], "prod-azure-wif", wif=True, resource_group="rg-web-prod",
                         last_used_days=1, pipelines=[web_ci["id"]])
    b.azurerm([contoso_web], "legacy-azure-secret", wif=False, all_pipelines=True, last_used_days=400)
    b.azurerm([payments], "payments-azure-wif", wif=True, resource_group="rg-payments", last_used_days=2,
              pipelines=[pay_ci["id"]])
    b.azurerm([data], "data-azure-mg", wif=True, scope_level="ManagementGroup", last_used_days=5)
    b.service_endpoint([data], "classic-azure-subscription", "azure", "Certificate",
                       parameters={"certificate": None}, data={"environment": "AzureCloud",
                                                               "subscriptionId": b.guid(),
                                                               "subscriptionName": "Legacy EA"},
                       url="https://management.core.windows.net/", last_used_days=250)
    b.service_endpoint([contoso_web, oss], "github-contoso", "github", "PersonalAccessToken",
                       parameters={"accessToken": None}, url="https://github.com", last_used_days=3)
    b.service_endpoint([payments], "dockerhub-payments", "dockerregistry", "UsernamePassword",
                       parameters={"username": "contosopayments", "password": None, "registry":
                                   "https://index.docker.io/v1/"}, url="https://index.docker.io/v1/",
                       last_used_days=4)
    b.check(contoso_web, "endpoint", prod_wif["id"], "prod-azure-wif", branch_control="refs/heads/main")
    b.check(contoso_web, "endpoint", prod_wif["id"], "prod-azure-wif", approvers=[people["olivia"]])

    # variable groups and secure files
    kv_endpoint = next(e for e in s.service_endpoints if e["name"] == "payments-azure-wif")
    b.variable_group([contoso_web], "prod-secrets", {
        "sqlAdminPassword": {"value": "x", "isSecret": True}, "appInsightsRegion": {"value": "westeurope"},
    }, all_pipelines=True)
    b.variable_group([contoso_web, data], "shared-settings", {
        "company": {"value": "Contoso"}, "supportEmail": {"value": f"support@{domain}"},
    }, all_pipelines=True)
    pay_kv = b.variable_group([payments], "payments-prod-kv", {
        "ledger-db-password": {"value": None, "isSecret": True, "enabled": True, "contentType": "",
                               "expires": None},
    }, key_vault={"serviceEndpointId": kv_endpoint["id"], "vault": "kv-payments-prod",
                  "lastRefreshedOn": b.ago(1)})
    b.variable_group([data], "build-config", {
        "dbUser": {"value": "etl_service"}, "dbPassword": {"value": SECRET_LIKE["password"]},
    })
    b.check(payments, "variablegroup", str(pay_kv["id"]), "payments-prod-kv", branch_control="refs/heads/main")
    b.check(payments, "variablegroup", str(pay_kv["id"]), "payments-prod-kv", approvers=[people["frank"]])
    b.secure_file(contoso_web, "signing-cert.pfx", all_pipelines=True)
    b.secure_file(payments, "ios-provisioning.mobileprovision")

    # release definitions
    b.release_definition(contoso_web, "web-release", [
        {"name": "Dev"}, {"name": "Prod", "approvers": [people["alice"], people["olivia"]]},
    ], variables={"slotName": _var("staging")})
    b.release_definition(payments, "payments-release", [{"name": "QA"}, {"name": "Production"}])
    b.release_definition(data, "data-release", [
        {"name": "Test"}, {"name": "Pre-Prod", "approvers": [people["henry"]], "creator_can_approve": True},
    ], variables={"apiToken": _var(SECRET_LIKE["github_token"])})

    # feeds, extensions, audit, org policies
    b.feed(None, "contoso-shared", [("administrator", b.pca), ("contributor", b.pcvu)])
    b.feed(payments, "payments-internal", [("administrator", b.project_groups[payments["id"]]["admins"]),
                                           ("administrator", b.build_service[payments["id"]]),
                                           ("reader", b.project_groups[payments["id"]]["valid"])])
    b.feed(contoso_web, "web-packages", [("administrator", b.project_groups[contoso_web["id"]]["admins"]),
                                         ("contributor", b.build_service[contoso_web["id"]]),
                                         ("reader", b.project_groups[contoso_web["id"]]["valid"])],
           upstream=False)
    s.feed_global_permissions = [
        {"identityDescriptor": s.subjects[b.pca]["_legacy"], "identityId": s.subjects[b.pca]["_id"],
         "role": "administrator", "displayName": s.subjects[b.pca]["principalName"]},
        {"identityDescriptor": s.subjects[b.pca]["_legacy"], "identityId": s.subjects[b.pca]["_id"],
         "role": "feedCreator", "displayName": s.subjects[b.pca]["principalName"]},
    ]
    b.extension("ms", "Microsoft", "vss-code-search", "Code Search", version="19.245.0",
                scopes=["vso.code"], last_published_days=40, built_in=True)
    b.extension("ms-securitydevops", "Microsoft DevLabs", "microsoft-security-devops-azdevops",
                "Microsoft Security DevOps", version="1.12.0", scopes=["vso.build", "vso.code"],
                last_published_days=30)
    b.extension("sketchy-tools", "Sketchy Tools Ltd", "pipeline-injector", "Pipeline Injector", version="0.3.1",
                scopes=["vso.code_write", "vso.build_execute"], last_published_days=90, decorator=True)
    b.extension("old-vendor", "Old Vendor Inc", "legacy-widgets", "Legacy Widgets", version="1.0.4",
                scopes=["vso.work"], last_published_days=5 * 365)
    s.org_policies = {
        "Policy.DisallowOAuthAuthentication": False,
        "Policy.DisallowSecureShell": True,
        "Policy.LogAuditEvents": True,
        "Policy.AllowAnonymousAccess": True,
        "Policy.ArtifactsExternalPackageProtectionToken": True,
        "Policy.EnforceAADConditionalAccess": False,
        "Policy.DisallowAadGuestUserAccess": False,
        "Policy.AllowTeamAdminsInvitationsAccessToken": False,
        "Policy.AllowRequestAccessToken": True,
        "Policy.AllowFeedbackCollection": True,
    }
    s.audit_streams = [
        _stream(b, 1, "splunk-siem", "Splunk", "enabled", {"SplunkUrl": "https://splunk.contoso.example:8088"}),
        _stream(b, 2, "legacy-eventgrid", "AzureEventGrid", "disabledByUser",
                {"EventGridTopicHostname": "https://contoso-audit.westeurope-1.eventgrid.azure.net"}),
    ]
    _seed_audit(b, [contoso_web, payments, data, oss], [people[a] for a in ("alice", "bob", "carol", "frank")],
                deploy_sp)


def _stream(b: _Builder, stream_id: int, name: str, consumer: str, status: str,
            inputs: dict[str, str]) -> dict[str, Any]:
    return {"id": stream_id, "consumerType": consumer, "consumerInputs": inputs, "status": status,
            "statusReason": "" if status == "enabled" else "Disabled by user",
            "createdTime": b.ago(300), "updatedTime": b.ago(10), "displayName": name}


AUDIT_SAMPLES: list[tuple[str, str, str, str]] = [
    ("Git.RepositoryCreated", "Git", "create", "Created repository {x}."),
    ("Git.RefUpdatePoliciesBypassed", "Git", "modify", "Bypassed policies on {x}."),
    ("Policy.PolicyConfigModified", "Policy", "modify", "Modified branch policy on {x}."),
    ("Library.ServiceConnectionExecuted", "Library", "execute", "Service connection {x} was used."),
    ("Pipelines.RunCompleted", "Pipelines", "execute", "Run of {x} completed."),
    ("Token.PatCreateEvent", "Token", "create", "Personal Access Token created."),
    ("Group.UpdateGroupMembership.Add", "Group", "modify", "Added a member to {x}."),
    ("Security.ModifyPermission", "Security", "modify", "Permissions changed on {x}."),
    ("Project.AreaPath.Create", "Project", "create", "Area path created in {x}."),
    ("Extension.Installed", "Extension", "create", "Extension installed."),
]


def _seed_audit(b: _Builder, projects: list[dict[str, Any]], actors: list[str], extra_actor: str,
                count: int = 60) -> None:
    for _ in range(count):
        action_id, area, category, template = b.rng.choice(AUDIT_SAMPLES)
        project = b.rng.choice(projects) if projects else None
        actor = b.rng.choice([*actors, extra_actor])
        b.audit(action_id, area, category, template.format(x=project["name"] if project else "the organization"),
                actor=actor, project=project)
    b.s.audit_log.sort(key=lambda e: e["timestamp"])


# ---------------------------------------------------------------------------------------------------------
# bulk presets

PRESET_SIZES: dict[str, dict[str, int]] = {
    "medium": {"projects": 50, "repos": 500, "users": 5000, "memberships": 4000, "build_definitions": 500,
               "service_connections": 250, "variable_groups": 150, "guests_per_mille": 40, "audit": 1500},
    "large": {"projects": 300, "repos": 3000, "users": 30000, "memberships": 20000, "build_definitions": 3000,
              "service_connections": 1500, "variable_groups": 1000, "guests_per_mille": 40, "audit": 5000},
}


def _populate_bulk(b: _Builder, sizes: dict[str, int]) -> None:
    s = b.s
    rng = b.rng
    domain = f"{s.organization}.com"
    people: list[str] = []
    for i in range(sizes["users"]):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        guest = rng.randrange(1000) < sizes["guests_per_mille"]
        upn = (f"{first.lower()}.{last.lower()}{i}_partner.example#EXT#@{s.organization}.onmicrosoft.com" if guest
               else f"{first.lower()}.{last.lower()}{i}@{domain}")
        roll = rng.random()
        last_access = None if roll < 0.05 else (rng.uniform(91, 700) if roll < 0.2 else rng.uniform(0, 60))
        license_type = rng.choices(["express", "stakeholder", "advanced"], weights=[75, 20, 5])[0]
        pats = [("automation", rng.choice(["app_token", "vso.code", "vso.build_execute vso.code"]),
                 rng.randint(-60, 365))] if rng.random() < 0.2 else None
        people.append(b.user(f"{first} {last}", upn, meta_type="guest" if guest else "member",
                             license_type=license_type, last_access_days=last_access,
                             created_days=rng.uniform(10, 1500), pats=pats))
    s.owner = {"descriptor": people[0]}
    b.collection_groups()
    sp = b.service_principal("resmo-scanner")
    s.entra_sp = {"descriptor": sp}
    b.member(b.pcsa, sp)
    for i in range(max(3, sizes["projects"] // 10)):
        b.service_principal(f"automation-sp-{i:03d}")
    admins_group = b.group("Platform Admins", "Entra group of the platform team.", aad=True)
    b.member(b.pca, admins_group)
    for descriptor in people[:5]:
        b.member(admins_group, descriptor)

    projects = []
    used_names: set[str] = set()
    for i in range(sizes["projects"]):
        name = f"{rng.choice(PROJECT_WORDS)} {rng.choice(REPO_WORDS).capitalize()} {i:03d}"
        used_names.add(name)
        visibility = "public" if rng.random() < 0.05 else "private"
        settings = {key: rng.random() < 0.8 for key, value in PROD_PIPELINE_SETTINGS_SECURE.items()
                    if isinstance(value, bool) and value}
        project = b.project(name, f"Project {name}.", visibility=visibility,
                            template=rng.choice([AGILE_TEMPLATE, SCRUM_TEMPLATE, BASIC_TEMPLATE]), settings=settings)
        projects.append(project)
        groups = b.project_groups[project["id"]]
        b.member(groups["admins"], rng.choice(people))
        b.member(groups["admins"], rng.choice(people))
        for t in range(rng.randint(0, 3)):
            b.team(project, f"{name} Squad {t + 1}", "A feature team.")
    project_count = len(projects)
    group_pool = [g for p in projects for key, g in b.project_groups[p["id"]].items() if key != "valid"]
    group_pool += [t["_descriptor"] for p in projects for t in s.teams[p["id"]]]
    for _ in range(sizes["memberships"]):
        b.member(rng.choice(group_pool), rng.choice(people))
    for project in projects:
        for team in s.teams[project["id"]]:
            for member in s.memberships_down.get(team["_descriptor"], [])[:40]:
                if s.subjects[member]["subjectKind"] == "user":
                    ref = s.identity_ref(member)
                    s.team_members[team["id"]].append({"isTeamAdmin": rng.random() < 0.1, "identity": ref})

    self_hosted = [b.pool(3 + i, f"self-hosted-{i:02d}", hosted=False) for i in range(max(2, project_count // 25))]
    for pool in self_hosted:
        for a in range(rng.randint(1, 4)):
            b.agent(pool, f"{pool['name']}-agent-{a}")
    repos_by_project: dict[str, list[dict[str, Any]]] = {p["id"]: [] for p in projects}
    for i in range(sizes["repos"]):
        project = projects[i % project_count] if i < project_count else rng.choice(projects)
        # A few repositories carry hundreds of branches so that refs page at their default size.
        branches = 260 if i % 97 == 0 else rng.randint(1, 6)
        repo = b.repository(project, f"{rng.choice(REPO_WORDS)}-{rng.choice(REPO_WORDS)}-{i:04d}",
                            branches=branches, disabled=rng.random() < 0.03)
        repos_by_project[project["id"]].append(repo)
        roll = rng.random()
        if roll < 0.6 and not repo["isDisabled"]:
            b.reviewers_policy(project, repo, minimum=rng.choice([1, 2, 2, 3]), creator_counts=rng.random() < 0.2)
    for project in projects:
        if rng.random() < 0.5 and self_hosted:
            b.queue(project, rng.choice(self_hosted))
    definitions = []
    for i in range(sizes["build_definitions"]):
        project = projects[i % project_count]
        repos = [r for r in repos_by_project[project["id"]] if not r["isDisabled"]] or repos_by_project[project["id"]]
        if not repos:
            continue
        queue_name = rng.choice(list(b.project_queues[project["id"]]))
        fork = {"enabled": rng.random() < 0.3, "allowSecrets": rng.random() < 0.1,
                "allowFullAccessToken": rng.random() < 0.1} if rng.random() < 0.5 else None
        definition = b.build_definition(project, f"{rng.choice(repos)['name']}-ci-{i:04d}", rng.choice(repos),
                                        yaml=rng.random() < 0.85, queue_name=queue_name,
                                        job_scope="projectCollection" if rng.random() < 0.15 else "project",
                                        variables={"configuration": _var("Release"),
                                                   "token": _var(None, secret=True)}, fork=fork,
                                        folder=rng.choice(["\\", "\\services", "\\infra"]))
        definitions.append(definition)
        if rng.random() < 0.3:
            b.build_policy(project, rng.choice(repos), definition["id"])
    for project in projects:
        b.environment(project, "production")
        b.environment(project, "staging", all_pipelines=rng.random() < 0.3)
        b.secure_file(project, f"cert-{project['id'][:8]}.pfx", all_pipelines=rng.random() < 0.2)
        b.release_definition(project, f"{project['name']} release", [
            {"name": "QA"}, {"name": "Production", "approvers": [rng.choice(people)] if rng.random() < 0.7 else []},
        ])
    for i in range(sizes["service_connections"]):
        shared = [rng.choice(projects) for _ in range(1 if rng.random() < 0.9 else 3)]
        shared = list({p["id"]: p for p in shared}.values())
        name = f"sc-{i:04d}"
        if rng.random() < 0.7:
            b.azurerm(shared, name, wif=rng.random() < 0.6, resource_group=f"rg-{i}" if rng.random() < 0.5 else None,
                      all_pipelines=rng.random() < 0.2, last_used_days=rng.uniform(0, 400))
        else:
            b.service_endpoint(shared, name, "github", "PersonalAccessToken", parameters={"accessToken": None},
                               url="https://github.com", all_pipelines=rng.random() < 0.2,
                               last_used_days=rng.uniform(0, 400))
    for i in range(sizes["variable_groups"]):
        project = rng.choice(projects)
        b.variable_group([project], f"vg-{i:04d}", {
            "environment": {"value": rng.choice(["dev", "test", "prod"])},
            "apiKey": {"value": "x", "isSecret": True},
        }, all_pipelines=rng.random() < 0.2)
    for i in range(max(2, project_count // 10)):
        project = rng.choice(projects)
        b.feed(project if i % 2 else None, f"feed-{i:03d}", [("administrator", b.pca),
                                                            ("reader", b.pcvu)])
    b.extension("ms", "Microsoft", "vss-code-search", "Code Search", version="19.245.0", scopes=["vso.code"],
                last_published_days=40, built_in=True)
    for i in range(10):
        b.extension(f"vendor-{i}", f"Vendor {i}", f"ext-{i}", f"Extension {i}", version="1.0.0",
                    scopes=["vso.work"], last_published_days=rng.uniform(10, 2000), decorator=i == 0)
    s.org_policies = {name: rng.random() < 0.5 for name in ORG_POLICY_DESCRIPTIONS}
    s.audit_streams = [_stream(b, 1, "siem", "Splunk", "enabled", {"SplunkUrl": "https://splunk.example:8088"})]
    _seed_audit(b, projects, people[:50], sp, count=sizes["audit"])


def build_state(preset: str, organization: str, seed: int, now: datetime | None = None) -> OrgState:
    """Build one simulated organization for a preset (`demo`, `medium`, `large`), deterministic per seed.

    Dates are relative to `now` (default: the current time), so "inactive for 90 days" stays true.
    """
    if preset != "demo" and preset not in PRESET_SIZES:
        raise ValueError(f"unknown preset {preset!r}; choose demo, medium or large")
    rng = random.Random(f"{preset}:{organization.lower()}:{seed}")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    state = OrgState(
        organization=organization,
        preset=preset,
        seed=seed,
        now=moment,
        org_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        tenant_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    )
    builder = _Builder(state, rng)
    if preset == "demo":
        _populate_demo(builder)
    else:
        _populate_bulk(builder, PRESET_SIZES[preset])
    _finish(builder)
    return state


def _finish(b: _Builder) -> None:
    """Details that need the whole organization: owner/SP summaries, collection ACLs, group entitlements."""
    s = b.s
    owner = s.subjects[s.owner["descriptor"]]
    s.owner = {"descriptor": owner["descriptor"], "id": owner["_id"], "displayName": owner["displayName"],
               "principalName": owner["principalName"], "mailAddress": owner["mailAddress"]}
    sp = s.subjects[s.entra_sp["descriptor"]]
    s.entra_sp = {"descriptor": sp["descriptor"], "id": sp["_id"], "client_id": sp["applicationId"],
                  "applicationId": sp["applicationId"], "object_id": sp["originId"],
                  "displayName": sp["displayName"], "uniqueName": sp["principalName"], "tenant_id": s.tenant_id}
    b.acl("Collection", "NAMESPACE:", [(b.pca, 1023, 0), (b.pcvu, 1, 0), (b.pcsa, 1023, 0)])
    b.acl("AuditLog", "/AllPermissions", [(b.pca, 15, 0)])
    b.acl("BuildAdministration", "BuildPrivileges", [(b.pca, 31, 0), (b.pcbsa, 4, 0)])
    b.acl("DistributedTask", "AgentPools", [(b.pca, 63, 0), (b.pcvu, 1, 0)])
    for pid, repos in _repos_by_project(s).items():
        for repo in repos[:3]:
            b.acl("Git Repositories", f"repoV2/{pid}/{repo['id']}", [(b.build_service[pid], 16502, 8)])
    s.group_entitlements = []
    for descriptor, subject in s.subjects.items():
        if subject["subjectKind"] == "group" and subject["origin"] == "aad":
            s.group_entitlements.append({"_group": descriptor, "license": "express", "lastExecuted": b.ago(1)})


def _repos_by_project(state: OrgState) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for repo in state.repositories:
        grouped.setdefault(repo["project"]["id"], []).append(repo)
    return grouped
