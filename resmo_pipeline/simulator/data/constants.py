"""Fixed names and ids of the simulated service: policy and check types, process templates, security
namespaces, organization policies, pipeline settings, the words generated names are made of, and the
service's timestamp and descriptor encodings."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

NEVER = "0001-01-01T00:00:00Z"
APPROVAL_CHECK_TYPE = {"id": "8c6f20a7-a545-4486-9777-f762fafe0d4d", "name": "Approval"}
BRANCH_CONTROL_CHECK_TYPE = {"id": "fe1de3ee-a436-41b4-bb20-f6eb4cb879a7", "name": "Task Check"}
REQUIRED_TEMPLATE_CHECK_TYPE = {"id": "4020e66e-b0f3-47e1-bc88-48f3cc59b5f3", "name": "ExtendsCheck"}
AGILE_TEMPLATE = ("Agile", "adcc42ab-9882-485e-a3ed-7678f01f66bc")
SCRUM_TEMPLATE = ("Scrum", "6b724908-ef14-45cf-84f8-768b5384da45")
BASIC_TEMPLATE = ("Basic", "b8a3a935-7e91-48b8-a94c-606d37c3e9f2")
MIN_REVIEWERS_TYPE = "fa4e907d-c16b-4a4c-9dfa-4906e5d171dd"
BUILD_POLICY_TYPE = "0609b952-1397-4640-95ec-e00a01b2c241"
COMMENTS_POLICY_TYPE = "c6a1889d-b943-4856-b76f-9e46bb6b0df2"
WORK_ITEM_LINKING_POLICY_TYPE = "40e92b44-2fe1-4dd6-b3d8-74a9c21d0c6e"
MERGE_STRATEGY_POLICY_TYPE = "fa4e907d-c16b-4a4c-9dfa-4916e5d171ab"
AUTHOR_EMAIL_POLICY_TYPE = "77ed4bd3-b063-4689-934a-175e4d0a78d7"
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

# The display names Azure DevOps serves for the actions people look up by name (the permission dialogs' labels);
# other actions get their name with "_" as spaces. Source: learn.microsoft.com/azure/devops/organizations/
# security/namespace-reference (the permission tables of each namespace).
ACTION_DISPLAY_NAMES: dict[str, dict[str, str]] = {
    "Git Repositories": {
        "Administer": "Administer", "GenericRead": "Read", "GenericContribute": "Contribute",
        "ForcePush": "Force push (rewrite history, delete branches and tags)", "CreateBranch": "Create branch",
        "CreateTag": "Create tag", "ManageNote": "Manage notes", "PolicyExempt": "Bypass policies when pushing",
        "CreateRepository": "Create repository", "DeleteRepository": "Delete or disable repository",
        "RenameRepository": "Rename repository", "EditPolicies": "Edit policies",
        "RemoveOthersLocks": "Remove others' locks", "ManagePermissions": "Manage permissions",
        "PullRequestContribute": "Contribute to pull requests",
        "PullRequestBypassPolicy": "Bypass policies when completing pull requests",
    },
    "Build": {
        "ViewBuilds": "View builds", "EditBuildQuality": "Edit build quality",
        "RetainIndefinitely": "Retain indefinitely", "DeleteBuilds": "Delete builds",
        "ManageBuildQualities": "Manage build qualities", "DestroyBuilds": "Destroy builds",
        "UpdateBuildInformation": "Update build information", "QueueBuilds": "Queue builds",
        "ManageBuildQueue": "Manage build queue", "StopBuilds": "Stop builds",
        "ViewBuildDefinition": "View build pipeline", "EditBuildDefinition": "Edit build pipeline",
        "DeleteBuildDefinition": "Delete build pipeline",
        "OverrideBuildCheckInValidation": "Override check-in validation by build",
        "AdministerBuildPermissions": "Administer build permissions",
    },
    "ReleaseManagement": {
        "ViewReleaseDefinition": "View release pipeline", "EditReleaseDefinition": "Edit release pipeline",
        "DeleteReleaseDefinition": "Delete release pipeline", "ManageReleaseApprovers": "Manage release approvers",
        "ManageReleases": "Manage releases", "ViewReleases": "View releases", "CreateReleases": "Create releases",
        "EditReleaseEnvironment": "Edit release stage", "DeleteReleaseEnvironment": "Delete release stage",
        "AdministerReleasePermissions": "Administer release permissions", "DeleteReleases": "Delete releases",
        "ManageDeployments": "Manage deployments", "ManageReleaseSettings": "Manage release settings",
    },
    "Project": {
        "GENERIC_READ": "View project-level information", "GENERIC_WRITE": "Edit project-level information",
        "DELETE": "Delete team project", "RENAME": "Rename team project",
        "MANAGE_PROPERTIES": "Manage project properties", "UPDATE_VISIBILITY": "Update project visibility",
        "WORK_ITEM_DELETE": "Delete and restore work items",
        "WORK_ITEM_MOVE": "Move work items out of this project",
        "WORK_ITEM_PERMANENTLY_DELETE": "Permanently delete work items",
        "BYPASS_RULES": "Bypass rules on work item updates",
    },
}

def action_display_name(namespace: str, action: str) -> str:
    """The display name the service gives a namespace's action (ACTION_DISPLAY_NAMES, else the name with
    spaces for "_")."""
    return ACTION_DISPLAY_NAMES.get(namespace, {}).get(action, action.replace("_", " "))


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
