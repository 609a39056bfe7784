"""The demo preset: a small organization holding, for every built-in rule, resources that break it and
resources that satisfy it (`DEMO_RULE_EXAMPLES` names them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.constants import (
    BASIC_TEMPLATE,
    COMMENTS_POLICY_TYPE,
    REQUIRED_REVIEWERS_TYPE,
    SCRUM_TEMPLATE,
)
from resmo_pipeline.simulator.data.demo_rules import EXAMPLES as DEMO_RULE_AREA_EXAMPLES
from resmo_pipeline.simulator.data.seeding import SECRET_LIKE, seed_audit, stream, var

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder


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
    "yaml.script_injection": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "payments-ci"],
        "compliant": ["web-legacy-ci", "payments-infra-ci", "data-pipelines-ci"],
        "note": "web-ci: $(Build.SourceBranchName) in a script step; payments-ci: ${{ variables['Build.SourceBranch'] "
                "}} in an AzureCLI@2 inline script. web-legacy-ci and payments-infra-ci pass the branch through env.",
    },
    "yaml.persist_credentials": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["web-legacy-ci", "data-pipelines-ci", "payments-infra-ci"],
        "note": "web-ci checks out with persistCredentials: true; data-pipelines-ci sets it false explicitly.",
    },
    "yaml.unpinned_repositories": {
        "resource_type": "build_definitions",
        "violating": ["payments-ci"],
        "compliant": ["web-legacy-ci", "payments-infra-ci"],
        "note": "payments-ci takes templates from payments-infra at refs/heads/main; web-legacy-ci pins a tag, "
                "payments-infra-ci a commit.",
    },
    "yaml.unpinned_containers": {
        "resource_type": "build_definitions",
        "violating": ["payments-ci"],
        "compliant": ["web-legacy-ci", "data-pipelines-ci"],
        "note": "payments-ci: mcr.microsoft.com/dotnet/sdk:8.0 (tag only); the others use @sha256: digests.",
    },
    "yaml.required_template": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["web-legacy-ci", "data-pipelines-ci"],
        "note": "Environment production (Contoso Web) has a Required template check for "
                "templates/deploy.yml@shared-templates: web-ci deploys to it directly, web-legacy-ci extends the "
                "template; production-data (data-pipelines-ci) has no such check.",
    },
    "feeds.supply_chain": {
        "resource_type": "feeds",
        "violating": ["contoso-shared", "payments-internal"],
        "compliant": ["web-packages"],
        "note": "contoso-shared: Project Collection Valid Users are contributors; payments-internal: the Payments "
                "build service is administrator. Policy.ArtifactsExternalPackageProtectionToken is true.",
    },
    **DEMO_RULE_AREA_EXAMPLES,
}



def populate_demo(b: Builder) -> None:
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
        "deployUrl": var("https://contoso-web-prod.azurewebsites.net", override=True),
        "nodeVersion": var("20.x"),
    }, fork={"enabled": True, "allowSecrets": True, "allowFullAccessToken": False})
    legacy_ci = b.build_definition(contoso_web, "web-legacy-ci", web_legacy)
    b.build_definition(contoso_web, "shared-templates-validate", templates)
    pay_ci = b.build_definition(payments, "payments-ci", pay_api, variables={
        "stripeApiKey": var(None, secret=True), "region": var("westeurope"),
    }, fork={"enabled": False})
    pay_infra_ci = b.build_definition(payments, "payments-infra-ci", pay_infra)
    data_ci = b.build_definition(data, "data-pipelines-ci", data_repo, fork={"enabled": False})
    b.build_definition(data, "legacy-nightly", data_repo, yaml=False, job_scope="projectCollection",
                       queue_name="self-hosted-linux", variables={
                           "storageConnectionString": var(SECRET_LIKE["storage_connection"]),
                           "retentionDays": var("14"),
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
    ], variables={"slotName": var("staging")})
    b.release_definition(payments, "payments-release", [{"name": "QA"}, {"name": "Production"}])
    b.release_definition(data, "data-release", [
        {"name": "Test"}, {"name": "Pre-Prod", "approvers": [people["henry"]], "creator_can_approve": True},
    ], variables={"apiToken": var(SECRET_LIKE["github_token"])})

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
        stream(b, 1, "splunk-siem", "Splunk", "enabled", {"SplunkUrl": "https://splunk.contoso.example:8088"}),
        stream(b, 2, "legacy-eventgrid", "AzureEventGrid", "disabledByUser",
                {"EventGridTopicHostname": "https://contoso-audit.westeurope-1.eventgrid.azure.net"}),
    ]
    seed_audit(b, [contoso_web, payments, data, oss], [people[a] for a in ("alice", "bob", "carol", "frank")],
                deploy_sp)
    # Last, so its random draws and ids shift nothing built before it.
    b.check(contoso_web, "environment", str(production["id"]), "production",
            required_template=("shared-templates", "refs/tags/v2.1.0", "templates/deploy.yml"))
