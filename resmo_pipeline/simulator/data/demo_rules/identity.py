"""Demo examples of the rules on users, guests, personal access tokens, groups and memberships, organization and
project settings.

`populate` adds what these rules need to the demo organization: four more personal access tokens (one expiring
in 5 days, one valid for all organizations, one of the dormant Dana Old, one of the leaver), a user deleted from
Entra ID (Xavier Leaver), a person in Project Collection Service Accounts, the deploy-automation service
principal in Project Collection Administrators, a crowded [Contoso Web]\\Build Administrators, Readers nested
in [Data Platform]\\Project Administrators, Project Collection Valid Users as feed creator, the
organization-level statusBadgesArePrivate off, and publishPipelineMetadata on for Payments and Open Source Tools.
It uses its own random source (swapped in for the builder's while it runs), so nothing drawn after it shifts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.demo_rules.lookup import own_random, project, subject

if TYPE_CHECKING:

    from resmo_pipeline.simulator.data.build import Builder

EXAMPLES: dict[str, dict[str, Any]] = {
    "pat.full_access": {
        "resource_type": "personal_access_tokens",
        "violating": ["full-access-legacy", "local-dev"],
        "compliant": ["inventory-readonly", "ops-automation", "old-expired"],
        "note": "full-access-legacy (Alice Admin) and local-dev (Judy Dev) have scope app_token; old-expired "
                "expired 30 days ago and is not checked.",
    },
    "pat.critical_scopes": {
        "resource_type": "personal_access_tokens",
        "violating": ["ops-automation"],
        "compliant": ["inventory-readonly", "release-hotfix", "cross-org-reader"],
        "note": "ops-automation (Bob Ops) holds vso.build_execute and vso.release_execute; full-access tokens "
                "are pat.full_access's.",
    },
    "pat.long_validity": {
        "resource_type": "personal_access_tokens",
        "violating": ["full-access-legacy"],
        "compliant": ["inventory-readonly", "local-dev", "ops-automation"],
        "note": "full-access-legacy is valid for 330 days (validFrom 30 days ago, validTo in 300 days); the "
                "others for 60-120 days.",
    },
    "pat.expiring_soon": {
        "resource_type": "personal_access_tokens",
        "violating": ["release-hotfix"],
        "compliant": ["ops-automation", "inventory-readonly"],
        "note": "release-hotfix (Carol Lead) expires in 5 days; ops-automation in 20 days.",
    },
    "pat.all_organizations": {
        "resource_type": "personal_access_tokens",
        "violating": ["cross-org-reader"],
        "compliant": ["inventory-readonly", "full-access-legacy"],
        "note": "cross-org-reader (Henry Data) has targetAccounts null (all accessible organizations); every "
                "other token targets this organization only.",
    },
    "users.guests": {
        "resource_type": "user_entitlements",
        "violating": ["Grace Guest"],
        "compliant": ["Alice Admin", "Sam Personal"],
        "note": "Grace Guest is the only user of type guest; Sam Personal is a member (a Microsoft account).",
    },
    "users.disconnected": {
        "resource_type": "users",
        "violating": ["Xavier Leaver"],
        "compliant": ["Alice Admin", "Dana Old"],
        "note": "Xavier Leaver is marked isDeletedInOrigin (deleted from Entra ID) and is still a user.",
    },
    "org.entra_authentication": {
        "resource_type": "organization_entra_connection, users",
        "violating": ["Sam Personal"],
        "compliant": ["Alice Admin", "Grace Guest"],
        "note": "The organization is Entra-backed; Sam Personal signs in with a Microsoft account (origin msa). "
                "Grace Guest is an Entra B2B guest (origin aad).",
    },
    "groups.service_accounts_people": {
        "resource_type": "groups",
        "violating": ["Project Collection Service Accounts"],
        "compliant": ["Project Collection Build Service Accounts", "Enterprise Service Accounts"],
        "note": "Rita Release is a direct member of Project Collection Service Accounts (besides the "
                "resmo-scanner service principal and Enterprise Service Accounts, which are expected); the "
                "build service accounts group holds build identities only.",
    },
    "groups.build_admin_count": {
        "resource_type": "groups",
        "violating": ["[Contoso Web]\\Build Administrators"],
        "compliant": ["[Payments]\\Build Administrators", "[Data Platform]\\Build Administrators",
                      "Project Collection Build Administrators"],
        "note": "[Contoso Web]\\Build Administrators holds 11 people: the Entra group Contoso Developers (6) and "
                "5 direct members; [Payments]\\Build Administrators holds Frank Finance only.",
    },
    "org.feed_creators": {
        "resource_type": "feed_global_permissions",
        "violating": ["Project Collection Valid Users"],
        "compliant": ["Project Collection Administrators"],
        "note": "Project Collection Valid Users holds feedCreator (\"everyone can create feeds\"); Project "
                "Collection Administrators holds feedCreator and administrator.",
    },
    "org.owner_account": {
        "resource_type": "organizations",
        "violating": ["Alice Admin"],
        "compliant": ["Bob Ops"],
        "note": "The owner is Alice Admin (alice@contoso.com), an everyday account that does not match the "
                "dedicated-account pattern; only the owner is checked (Bob Ops is not the owner).",
    },
    "pat.inactive_owner": {
        "resource_type": "personal_access_tokens",
        "violating": ["dana-scripts", "leaver-sync"],
        "compliant": ["inventory-readonly", "ops-automation", "local-dev"],
        "note": "dana-scripts belongs to Dana Old (last signed in 200 days ago); leaver-sync to Xavier Leaver "
                "(deleted from Entra ID). old-expired (Bob Ops) no longer works and is not checked.",
    },
    "users.direct_permissions": {
        "resource_type": "access_control_lists",
        "violating": ["Judy Dev", "Karl Dev"],
        "compliant": ["Alice Admin", "Contoso Web Build Service (contoso)"],
        "note": "attack_paths gives Karl Dev (Data Platform) and Judy Dev (Open Source Tools) user entries in the "
                "project's Build ACL; build service identities are expected to hold direct entries.",
    },
    "groups.broad_group_in_admin_group": {
        "resource_type": "groups",
        "violating": ["[Data Platform]\\Project Administrators"],
        "compliant": ["[Contoso Web]\\Project Administrators", "Project Collection Administrators"],
        "note": "[Data Platform]\\Readers is a member of [Data Platform]\\Project Administrators.",
    },
    "org.pipeline_settings": {
        "resource_type": "organization_pipeline_settings",
        "violating": ["statusBadgesArePrivate"],
        "compliant": ["enforceJobAuthScope", "enforceSettableVar", "enableShellTasksArgsSanitizing"],
        "note": "The organization-level statusBadgesArePrivate is turned off; every other organization "
                "pipeline setting the rule checks is on.",
    },
    "groups.service_principal_admins": {
        "resource_type": "service_principals",
        "violating": ["deploy-automation"],
        "compliant": ["resmo-scanner"],
        "note": "deploy-automation is a direct member of Project Collection Administrators; resmo-scanner is in "
                "Project Collection Service Accounts only, where service identities belong.",
    },
    "admins.team_admins": {
        "resource_type": "team_members",
        "violating": ["Dana Old"],
        "compliant": ["Alice Admin", "Quinn QA", "Henry Data"],
        "note": "Dana Old (last signed in 200 days ago) administers Data Platform Team; the other team "
                "administrators are active members.",
    },
    "project.publish_pipeline_metadata": {
        "resource_type": "pipeline_settings",
        "violating": ["Contoso Web", "Data Platform"],
        "compliant": ["Payments", "Open Source Tools"],
        "note": "publishPipelineMetadata is turned on for Payments and Open Source Tools only.",
    },
}











def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
    s = b.s
    with own_random(b, "identity"):
        # pat.expiring_soon, pat.all_organizations
        b.pat(subject(b, "Carol Lead"), "release-hotfix", "vso.code", 5)
        henry = subject(b, "Henry Data")
        b.pat(henry, "cross-org-reader", "vso.work vso.code", 45)
        s.pats[henry][-1]["targetAccounts"] = None

        # users.disconnected: left the company, deleted in Entra ID, never removed here
        leaver = b.user("Xavier Leaver", f"xavier@{s.organization}.com", last_access_days=60)
        s.subjects[leaver]["isDeletedInOrigin"] = True

        # groups.service_accounts_people
        b.member(b.pcsa, subject(b, "Rita Release"))

        # groups.build_admin_count: 6 people through Contoso Developers + 5 directly = 11
        web_build_admins = b.project_groups[project(b, "Contoso Web")["id"]]["build_admins"]
        b.member(web_build_admins, subject(b, "Contoso Developers"))
        for name in ("Alice Admin", "Eve Direct", "Lena Test", "Peggy PM", "Rita Release"):
            b.member(web_build_admins, subject(b, name))
        b.member(b.project_groups[project(b, "Payments")["id"]]["build_admins"], subject(b, "Frank Finance"))

        # org.feed_creators: "Everyone in this organization can create feeds"
        pcvu = s.subjects[b.pcvu]
        s.feed_global_permissions.append({"identityDescriptor": pcvu["_legacy"], "identityId": pcvu["_id"],
                                          "role": "feedCreator", "displayName": pcvu["principalName"]})

        # org.pipeline_settings: anonymous badges allowed at the organization level
        s.org_pipeline_settings["statusBadgesArePrivate"] = False

        # pat.inactive_owner: tokens of a dormant user and of the leaver
        b.pat(subject(b, "Dana Old"), "dana-scripts", "vso.code", 60)
        b.pat(leaver, "leaver-sync", "vso.work", 30)

        # groups.service_principal_admins: the deployment automation's app is a collection administrator
        b.member(b.pca, subject(b, "deploy-automation"))

        # groups.broad_group_in_admin_group: [Data Platform]\Readers nested in its Project Administrators
        data_groups = b.project_groups[project(b, "Data Platform")["id"]]
        b.member(data_groups["admins"], data_groups["readers"])

        # project.publish_pipeline_metadata
        for name in ("Payments", "Open Source Tools"):
            s.pipeline_settings[project(b, name)["id"]]["publishPipelineMetadata"] = True
