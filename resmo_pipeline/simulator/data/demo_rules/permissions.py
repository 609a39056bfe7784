"""Demo examples of the rules on effective permissions (the perm.* rules over azure_devops.effective_permissions,
permission_objects, effective_roles and their views)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data import roles
from resmo_pipeline.simulator.data.demo_rules.lookup import named, project, repository, subject

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

# Git Repositories bits (the service's values).
FORCE_PUSH, POLICY_EXEMPT, DELETE_REPOSITORY, MANAGE_PERMISSIONS = 8, 128, 512, 8192
#: What Contributors get on a repository (Read, Contribute, Create branch, Create tag, Manage notes, Contribute to
#: pull requests).
CONTRIBUTOR_DEFAULTS = 16502
# Build bits: ViewBuilds 1, QueueBuilds 128, ViewBuildDefinition 1024, EditBuildDefinition 2048,
# AdministerBuildPermissions 16384.
BUILD_VIEW_AND_QUEUE, EDIT_BUILD_DEFINITION, ADMINISTER_BUILD_PERMISSIONS = 1 | 128 | 1024, 2048, 16384
# Project namespace: RENAME ("Rename team project").
RENAME_PROJECT = 32768
# Identity namespace: ManageMembership ("Manage group membership").
MANAGE_MEMBERSHIP = 8

EXAMPLES: dict[str, dict[str, Any]] = {
    "perm.default_branch_bypass": {
        "resource_type": "repositories",
        "violating": ["data-contracts"],
        "compliant": ["payments-api", "contoso-web", "notebooks"],
        "note": "Karl Dev (no administrator) holds a user entry allowing \"Bypass policies when pushing\" on main of "
                "data-contracts. Elsewhere only Project Administrators and Project Collection Administrators may "
                "bypass.",
    },
    "perm.default_branch_force_push": {
        "resource_type": "repositories",
        "violating": ["payments-api", "data-contracts"],
        "compliant": ["contoso-web", "payments-infra", "notebooks"],
        "note": "payments-api: the Payments build service is allowed Force push on main by an entry of the branch; "
                "data-contracts: Karl Dev's entry on main. Elsewhere the build services are denied Force push on "
                "the repository and no one but administrators is allowed it.",
    },
    "perm.broad_group_administer_permissions": {
        "resource_type": "projects",
        "violating": ["Data Platform"],
        "compliant": ["Payments", "Contoso Web", "Open Source Tools"],
        "note": "[Data Platform]\\Contributors may \"Manage permissions\" on repository data-contracts (their entry of "
                "its own list). Elsewhere Contributors, Readers and the valid-users groups cannot manage permissions.",
    },
    "perm.build_service_project_write": {
        "resource_type": "projects",
        "violating": ["Open Source Tools"],
        "compliant": ["Payments", "Contoso Web", "Data Platform"],
        "note": "The Open Source Tools build service is allowed \"Edit build pipeline\" on the project's pipelines. "
                "The other build services hold only the defaults (Read, Contribute, Create branch, Queue builds).",
    },
    "perm.delete_repository": {
        "resource_type": "repositories",
        "violating": ["data-contracts"],
        "compliant": ["notebooks", "payments-api", "contoso-web"],
        "note": "[Data Platform]\\Contributors may delete data-contracts (their entry of its own list); elsewhere only "
                "Project Administrators may.",
    },
    "perm.administer_build_permissions": {
        "resource_type": "build_definitions",
        "violating": ["oss-cli-ci", "oss-docs-ci"],
        "compliant": ["web-ci", "payments-ci", "data-pipelines-ci"],
        "note": "Judy Dev's user entry on the Open Source Tools pipelines allows \"Administer build permissions\", "
                "inherited by both pipelines of the project. Elsewhere only Build Administrators and Project "
                "Administrators hold it.",
    },
    "perm.project_destructive": {
        "resource_type": "projects",
        "violating": ["Data Platform"],
        "compliant": ["Payments", "Contoso Web", "Open Source Tools"],
        "note": "The Data Platform Team group may rename its project. Elsewhere only Project Administrators may "
                "delete, rename or change the visibility of a project.",
    },
    "perm.group_membership_managers": {
        "resource_type": "projects",
        "violating": ["Payments"],
        "compliant": ["Contoso Web", "Data Platform", "Open Source Tools"],
        "note": "The Payments Team group may manage the membership of the Payments groups (an entry on the project's "
                "Identity token), so its members can add themselves to Project Administrators. Elsewhere only "
                "Project Administrators hold Identity permissions.",
    },
    "perm.production_admin_roles": {
        "resource_type": "service_connections",
        "violating": ["payments-prod"],
        "compliant": ["production", "prod-eu", "prod-azure-wif", "payments-prod-aks"],
        "note": "Olivia Sec (a Payments contributor) holds the Administrator role on environment payments-prod. The "
                "other production resources are administered by Project Administrators and by Alice Admin and Dana "
                "Old, who are Project Collection Administrators.",
    },
    "perm.reader_groups_write": {
        "resource_type": "groups",
        "violating": ["[Data Platform]\\Project Valid Users", "[Open Source Tools]\\Project Valid Users"],
        "compliant": ["[Payments]\\Readers", "[Contoso Web]\\Readers", "[Payments]\\Project Valid Users"],
        "note": "[Data Platform]\\Project Valid Users may create and manage releases of the project; [Open Source "
                "Tools]\\Project Valid Users may contribute to all its repositories. Readers only read.",
    },
    "perm.pipeline_editors_production": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "web-legacy-ci"],
        "compliant": ["payments-ci", "shared-templates-validate", "legacy-nightly"],
        "note": "web-ci and web-legacy-ci are authorized for prod-azure-wif and [Contoso Web]\\Contributors may edit "
                "them (inherited from the project's pipelines). payments-ci uses payments-azure-wif and "
                "shared-templates-validate legacy-azure-secret (no production names); legacy-nightly uses "
                "classic-azure-subscription.",
    },
    "perm.direct_user_powerful": {
        "resource_type": "users",
        "violating": ["judy@contoso.com", "karl@contoso.com"],
        "compliant": ["alice@contoso.com", "olivia@contoso.com"],
        "note": "Judy Dev's entry on the Open Source Tools pipelines allows editing them and administering their "
                "permissions; Karl Dev's entries allow editing the Data Platform pipelines and force pushing and "
                "bypassing policies on main of data-contracts. Alice and Olivia hold no entries of their own.",
    },
}


def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
    data, oss = project(b, "Data Platform"), project(b, "Open Source Tools")
    data_groups = b.project_groups[data["id"]]
    # perm.default_branch_bypass, perm.default_branch_force_push: a user entry on main of data-contracts.
    contracts = repository(b, "data-contracts")
    main = "6d00610069006e00"  # "main" as the Git Repositories namespace writes it (UTF-16LE hex)
    b.acl("Git Repositories", f"repoV2/{data['id']}/{contracts['id']}/refs/heads/{main}/",
          [(subject(b, "Karl Dev"), POLICY_EXEMPT | FORCE_PUSH, 0)])
    # perm.broad_group_administer_permissions, perm.delete_repository: Contributors may also delete
    # data-contracts and manage its permissions (their entry of the repository's own list, which does not inherit).
    b.add_aces("Git Repositories", f"repoV2/{data['id']}/{contracts['id']}",
               [(data_groups["contributors"], CONTRIBUTOR_DEFAULTS | DELETE_REPOSITORY | MANAGE_PERMISSIONS, 0)])
    # perm.build_service_project_write: the Open Source Tools build service may edit every pipeline of its project.
    b.add_aces("Build", oss["id"], [(b.build_service[oss["id"]], BUILD_VIEW_AND_QUEUE | EDIT_BUILD_DEFINITION, 0)])
    # perm.administer_build_permissions: Judy Dev (her entry already lets her edit the project's pipelines) may
    # also administer their permissions.
    b.add_aces("Build", oss["id"], [(subject(b, "Judy Dev"),
                                     BUILD_VIEW_AND_QUEUE | EDIT_BUILD_DEFINITION | ADMINISTER_BUILD_PERMISSIONS, 0)])
    # perm.project_destructive: the Data Platform Team group may rename its project.
    b.add_aces("Project", f"$PROJECT:vstfs:///Classification/TeamProject/{data['id']}",
               [(subject(b, "Data Platform Team"), RENAME_PROJECT, 0)])
    # perm.group_membership_managers: the Payments Team group may manage the membership of every Payments group.
    payments = project(b, "Payments")
    b.add_aces("Identity", payments["id"], [(subject(b, "Payments Team"), MANAGE_MEMBERSHIP, 0)])
    # perm.production_admin_roles: Olivia Sec (a Payments contributor) administers environment payments-prod.
    prod = named(b.s.environments[payments["id"]], "payments-prod")
    roles.assign(b, roles.ENVIRONMENT, f"{payments['id']}_{prod['id']}", subject(b, "Olivia Sec"), "Administrator")
