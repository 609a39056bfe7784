"""Demo examples of the rules on agent pools and queues, deployment groups, service connections, variable groups,
secure files, environments and their roles.

`populate` adds what these rules need to the demo organization: broad-group roles on a few library resources and
on project-level defaults, inheritance switched off where a resource should pass, the Payments build service on
dockerhub-payments, a second pipeline authorized on prod-azure-wif, three service connections (one to Azure
China, a GitHub App, a production Kubernetes one), a self-hosted Windows pool with an outdated and an offline
agent, auto-provisioning on the Default pool, Branch control and Required template checks on four environments,
and a variable group and a secure file nothing uses. It uses its own random source (swapped in for the
builder's while it runs), so nothing drawn after it shifts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data import roles
from resmo_pipeline.simulator.data.constants import iso
from resmo_pipeline.simulator.data.demo_rules.lookup import named, own_random
from resmo_pipeline.simulator.data.demo_rules.lookup import project as project_named

if TYPE_CHECKING:

    from resmo_pipeline.simulator.data.build import Builder

_ALL_CONNECTIONS_BUT_ONE = [
    "prod-azure-wif", "legacy-azure-secret", "github-contoso", "dockerhub-payments", "data-azure-mg",
    "classic-azure-subscription", "china-azure-wif", "github-app-oss", "payments-prod-aks",
]

EXAMPLES: dict[str, dict[str, Any]] = {
    "sc.broad_group_roles": {
        "resource_type": "service_connections",
        "violating": ["legacy-azure-secret", "github-contoso"],
        "compliant": ["prod-azure-wif", "payments-azure-wif"],
        "note": "[Contoso Web]\\Contributors is Administrator of legacy-azure-secret and [Contoso Web]\\Project "
                "Valid Users is User of github-contoso, both assigned on the connection (roles.py). Inherited "
                "roles are not judged by default.",
    },
    "vg.broad_group_roles": {
        "resource_type": "variable_groups",
        "violating": ["shared-settings", "payments-prod-kv", "build-config"],
        "compliant": ["prod-secrets"],
        "note": "[Contoso Web]\\Contributors is User of shared-settings, [Payments]\\Project Valid Users is User of "
                "payments-prod-kv, [Data Platform]\\Contributors is Administrator of build-config (pipelines.py); "
                "prod-secrets names Bob Ops only.",
    },
    "vg.secret_broad_group_roles": {
        "resource_type": "variable_groups",
        "violating": ["payments-prod-kv"],
        "compliant": ["prod-secrets", "shared-settings", "build-config"],
        "note": "payments-prod-kv is Key Vault linked; prod-secrets holds a secret but only Bob Ops holds a role "
                "(inheritance off); shared-settings and build-config hold no secret variable.",
    },
    "sf.broad_group_roles": {
        "resource_type": "secure_files",
        "violating": ["ios-provisioning.mobileprovision"],
        "compliant": ["signing-cert.pfx"],
        "note": "[Payments]\\Contributors is User of ios-provisioning.mobileprovision.",
    },
    "env.broad_group_roles": {
        "resource_type": "environments",
        "violating": ["staging"],
        "compliant": ["production", "prod-eu", "payments-prod"],
        "note": "[Contoso Web]\\Contributors is Administrator of staging; the others only inherit the project "
                "defaults or name people.",
    },
    "pool.broad_group_roles": {
        "resource_type": "agent_pools",
        "violating": ["self-hosted-linux"],
        "compliant": ["Azure Pipelines", "windows-build"],
        "note": "Contributors of Contoso Web and of Data Platform are User of their self-hosted-linux queues "
                "(roles.py); no broad group holds a role on the pools themselves.",
    },
    "sc.inherited_permissions": {
        "resource_type": "service_connections",
        "violating": _ALL_CONNECTIONS_BUT_ONE,
        "compliant": ["payments-azure-wif"],
        "note": "Inheritance is switched off only on payments-azure-wif (Alice Admin administers it explicitly).",
    },
    "vg.inherited_permissions": {
        "resource_type": "variable_groups",
        "violating": ["shared-settings", "payments-prod-kv", "build-config", "legacy-release-vars"],
        "compliant": ["prod-secrets"],
        "note": "prod-secrets has inheritance off (roles.py).",
    },
    "pool.inherited_permissions": {
        "resource_type": "agent_pools",
        "violating": ["Azure Pipelines", "windows-build"],
        "compliant": ["self-hosted-linux"],
        "note": "Both self-hosted-linux queues (Contoso Web, Data Platform) have inheritance off and name their "
                "Project Administrators explicitly; the Azure Pipelines queues of every project and the "
                "windows-build queue of Data Platform inherit.",
    },
    "roles.project_endpoints_defaults": {
        "resource_type": "projects",
        "violating": ["Open Source Tools"],
        "compliant": ["Contoso Web", "Payments", "Data Platform"],
        "note": "[Open Source Tools]\\Contributors is User (instead of Creator) of all its service connections.",
    },
    "roles.project_library_defaults": {
        "resource_type": "projects",
        "violating": ["Data Platform"],
        "compliant": ["Contoso Web", "Payments", "Open Source Tools"],
        "note": "[Data Platform]\\Contributors is Administrator of its whole Library.",
    },
    "roles.project_environments_defaults": {
        "resource_type": "projects",
        "violating": ["Payments"],
        "compliant": ["Contoso Web", "Data Platform", "Open Source Tools"],
        "note": "[Payments]\\Project Valid Users is User of all its environments.",
    },
    "roles.project_queues_defaults": {
        "resource_type": "projects",
        "violating": ["Contoso Web"],
        "compliant": ["Payments", "Data Platform", "Open Source Tools"],
        "note": "[Contoso Web]\\Contributors is User of all its agent queues.",
    },
    "sc.build_service_roles": {
        "resource_type": "service_connections",
        "violating": ["dockerhub-payments"],
        "compliant": ["payments-azure-wif", "prod-azure-wif"],
        "note": "Payments Build Service (contoso) is User of dockerhub-payments.",
    },
    "sc.pipeline_sharing": {
        "resource_type": "service_connections",
        "violating": ["prod-azure-wif"],
        "compliant": ["payments-azure-wif", "github-contoso"],
        "note": "prod-azure-wif is authorized for web-ci and web-legacy-ci; payments-azure-wif for payments-ci "
                "only. legacy-azure-secret is open to all pipelines (sc.all_pipelines_access) and authorizes none "
                "individually.",
    },
    "sc.disallowed_environment": {
        "resource_type": "service_connections",
        "violating": ["china-azure-wif"],
        "compliant": ["prod-azure-wif", "classic-azure-subscription"],
        "note": "china-azure-wif targets AzureChinaCloud; every other Azure connection AzureCloud.",
    },
    "sc.github_pat": {
        "resource_type": "service_connections",
        "violating": ["github-contoso"],
        "compliant": ["github-app-oss"],
        "note": "github-contoso uses scheme PersonalAccessToken, github-app-oss the GitHub App (InstallationToken).",
    },
    "vg.secrets_not_in_key_vault": {
        "resource_type": "variable_groups",
        "violating": ["prod-secrets"],
        "compliant": ["payments-prod-kv", "shared-settings", "build-config"],
        "note": "prod-secrets (type Vsts) holds the secret sqlAdminPassword; payments-prod-kv is Key Vault linked; "
                "the others hold no secret variable (build-config's plain-text password is secrets.plaintext's).",
    },
    "pool.auto_provisioning": {
        "resource_type": "agent_pools",
        "violating": ["Default"],
        "compliant": ["self-hosted-linux", "windows-build"],
        "note": "Default (self-hosted) has autoProvision true; the hosted Azure Pipelines pool is not judged.",
    },
    "pool.auto_update": {
        "resource_type": "agent_pools",
        "violating": ["windows-build"],
        "compliant": ["self-hosted-linux", "Default"],
        "note": "windows-build has autoUpdate false.",
    },
    "agents.outdated_version": {
        "resource_type": "agents",
        "violating": ["win-build-01"],
        "compliant": ["win-build-02", "build-agent-01", "build-agent-02"],
        "note": "win-build-01 runs agent 2.210.1; the others 3.248.0.",
    },
    "agents.offline": {
        "resource_type": "agents",
        "violating": ["win-build-02"],
        "compliant": ["win-build-01", "build-agent-01"],
        "note": "win-build-02 has been offline for 75 days; the others are online.",
    },
    "deploy.offline_targets": {
        "resource_type": "deployment_targets",
        "violating": ["web-prod-02"],
        "compliant": ["web-prod-01", "pay-vm-02"],
        "note": "web-prod-02 went offline 40 days ago (deployments.py); pay-vm-02 is disabled but online.",
    },
    "deploy.outdated_agents": {
        "resource_type": "deployment_targets",
        "violating": ["web-prod-legacy"],
        "compliant": ["web-prod-01", "pay-vm-01"],
        "note": "web-prod-legacy runs agent 2.210.1 (deployments.py).",
    },
    "deploy.unused_groups": {
        "resource_type": "deployment_groups",
        "violating": ["data-staging"],
        "compliant": ["web-prod-servers", "payments-vms"],
        "note": "data-staging has no machines; the other groups ran deployment jobs within the last 30 days.",
    },
    "env.branch_control": {
        "resource_type": "environments",
        "violating": ["prod-eu", "payments-prod", "production-data"],
        "compliant": ["production"],
        "note": "production allows refs/heads/main only; prod-eu also refs/heads/feature/*; payments-prod and "
                "production-data have no Branch control. staging and dev are not production-named.",
    },
    "env.template_branch_protection": {
        "resource_type": "environments",
        "violating": ["dev"],
        "compliant": ["staging", "production"],
        "note": "dev requires templates/deploy.yml from shared-templates refs/heads/main, whose reviewers policy "
                "is disabled; staging's template is on contoso-web main (reviewers and build policies); "
                "production's is pinned to the tag refs/tags/v2.1.0, not a branch, and not judged.",
    },
    "sc.global_groups": {
        "resource_type": "service_connections",
        "violating": ["data-azure-mg"],
        "compliant": ["legacy-azure-secret", "prod-azure-wif"],
        "note": "[Data Platform]\\Build Administrators is Administrator of data-azure-mg. legacy-azure-secret's "
                "Contributors grant is a broad group's (sc.broad_group_roles), not reported here.",
    },
    "pool.inactive": {
        "resource_type": "agent_pools",
        "violating": ["windows-build", "Default"],
        "compliant": ["self-hosted-linux"],
        "note": "windows-build's only queue (Data Platform) ran nothing; Default has no queue; web-ci and "
                "legacy-nightly run on self-hosted-linux. The hosted Azure Pipelines pool is not judged.",
    },
    "vg.unused": {
        "resource_type": "variable_groups",
        "violating": ["legacy-release-vars"],
        "compliant": ["build-config", "prod-secrets", "payments-prod-kv"],
        "note": "legacy-release-vars (changed 400 days ago) is linked and authorized nowhere; build-config is "
                "linked by legacy-nightly and data-release, prod-secrets is open to all pipelines, "
                "payments-prod-kv is linked by payments-ci.",
    },
    "sf.unused": {
        "resource_type": "secure_files",
        "violating": ["old-deploy-key.pem"],
        "compliant": ["signing-cert.pfx", "ios-provisioning.mobileprovision"],
        "note": "old-deploy-key.pem (Data Platform, changed 300 days ago) is authorized and named nowhere; "
                "signing-cert.pfx is open to all pipelines; ios-provisioning.mobileprovision changed within 20 "
                "days.",
    },
    "sc.prod_approval": {
        "resource_type": "service_connections",
        "violating": ["payments-prod-aks"],
        "compliant": ["prod-azure-wif"],
        "note": "payments-prod-aks has a Branch control check only; prod-azure-wif an Approval by Olivia Sec. No "
                "other connection's name looks like production.",
    },
}











def _in_project(items: dict[str, list[dict[str, Any]]], project: dict[str, Any], name: str) -> dict[str, Any]:
    return named(items[project["id"]], name)


def _roles(b: Builder, web: dict[str, Any], payments: dict[str, Any], data: dict[str, Any],
           oss: dict[str, Any]) -> None:
    """Broad groups on resources and project defaults; inheritance off where a resource should pass."""
    s = b.s
    groups = {p["name"]: b.project_groups[p["id"]] for p in (web, payments, data, oss)}
    shared = named(s.variable_groups, "shared-settings")
    roles.assign(b, roles.VARIABLE_GROUP, f"{web['id']}${shared['id']}", groups["Contoso Web"]["contributors"],
                 "User")
    vault = named(s.variable_groups, "payments-prod-kv")
    roles.assign(b, roles.VARIABLE_GROUP, f"{payments['id']}${vault['id']}", groups["Payments"]["valid"], "User")
    profile = _in_project(s.secure_files, payments, "ios-provisioning.mobileprovision")
    roles.assign(b, roles.SECURE_FILE, f"{payments['id']}${profile['id']}", groups["Payments"]["contributors"],
                 "User")
    staging = _in_project(s.environments, web, "staging")
    roles.assign(b, roles.ENVIRONMENT, f"{web['id']}_{staging['id']}", groups["Contoso Web"]["contributors"],
                 "Administrator")
    # Inheritance off: payments-azure-wif and both self-hosted-linux queues.
    wif = named(s.service_endpoints, "payments-azure-wif")
    s.role_inheritance_off.add((roles.ENDPOINT, f"{payments['id']}_{wif['id']}".lower()))
    for project in (web, data):
        queue = _in_project(s.queues, project, "self-hosted-linux")
        resource = f"{project['id']}_{queue['id']}"
        roles.assign(b, roles.QUEUE, resource, groups[project["name"]]["admins"], "Administrator")
        s.role_inheritance_off.add((roles.QUEUE, resource.lower()))
    # Project-level defaults.
    roles.assign(b, roles.PROJECT_ENDPOINTS, oss["id"], groups["Open Source Tools"]["contributors"], "User")
    roles.assign(b, roles.LIBRARY, f"{data['id']}$0", groups["Data Platform"]["contributors"], "Administrator")
    roles.assign(b, roles.PROJECT_ENVIRONMENTS, payments["id"], groups["Payments"]["valid"], "User")
    roles.assign(b, roles.PROJECT_QUEUES, web["id"], groups["Contoso Web"]["contributors"], "User")


def _agents(b: Builder, data: dict[str, Any]) -> None:
    """A self-hosted Windows pool that does not update its agents; auto-provisioning on Default."""
    s = b.s
    named(s.pools, "Default")["autoProvision"] = True
    pool = b.pool(max(p["id"] for p in s.pools) + 1, "windows-build", hosted=False, auto_update=False)
    b.agent(pool, "win-build-01")
    b.agent(pool, "win-build-02")
    old, offline = s.agents[pool["id"]]
    old["version"] = old["systemCapabilities"]["Agent.Version"] = "2.210.1"
    offline["status"] = "offline"
    offline["statusChangedOn"] = iso(s.now - timedelta(days=75))
    for agent in (old, offline):
        agent["osDescription"] = "Microsoft Windows 10.0.20348"
        agent["systemCapabilities"]["Agent.OS"] = "Windows_NT"
    b.queue(data, pool)


def _connections(b: Builder, web: dict[str, Any], payments: dict[str, Any], oss: dict[str, Any]) -> None:
    """Two more service connections, the Payments build service on dockerhub-payments, a shared connection."""
    s = b.s
    owner = s.owner["descriptor"]
    china = b.azurerm([payments], "china-azure-wif", wif=True, resource_group="rg-payments-cn", last_used_days=6)
    china["data"]["environment"] = "AzureChinaCloud"
    app = b.service_endpoint([oss], "github-app-oss", "github", "InstallationToken",
                             parameters={"IdToken": None, "IdSignature": None}, url="https://github.com",
                             last_used_days=2)
    # A production Kubernetes connection with Branch control but no Approval (sc.prod_approval).
    aks = b.service_endpoint([payments], "payments-prod-aks", "kubernetes", "Kubernetes",
                             parameters={"azureEnvironment": "AzureCloud", "azureTenantId": s.tenant_id},
                             data={"authorizationType": "AzureRole"}, url="https://payments-prod.hcp.westeurope.azmk8s.io",
                             last_used_days=3)
    b.check(payments, "endpoint", aks["id"], aks["name"], branch_control="refs/heads/main")
    for project, endpoint in ((payments, china), (oss, app), (payments, aks)):
        roles.assign(b, roles.ENDPOINT, f"{project['id']}_{endpoint['id']}", owner, "Administrator")
    mg = named(s.service_endpoints, "data-azure-mg")
    data = project_named(b, "Data Platform")
    roles.assign(b, roles.ENDPOINT, f"{data['id']}_{mg['id']}", b.project_groups[data["id"]]["build_admins"],
                 "Administrator")
    docker = named(s.service_endpoints, "dockerhub-payments")
    roles.assign(b, roles.ENDPOINT, f"{payments['id']}_{docker['id']}", b.build_service[payments["id"]], "User")
    gated = named(s.service_endpoints, "prod-azure-wif")  # has Branch control and an Approval check
    pipelines = [d["id"] for d in s.build_definitions[web["id"]] if d["name"] in ("web-ci", "web-legacy-ci")]
    b.pipeline_permission(web, "endpoint", gated["id"], gated["name"], pipelines=pipelines)


def _environments(b: Builder, web: dict[str, Any]) -> None:
    """Branch control on production (main) and prod-eu (main and feature branches); Required templates on dev
    (shared-templates main, whose reviewer policy is disabled) and staging (contoso-web main, protected), two
    environments no demo YAML pipeline names (yaml.required_template stays as it is)."""
    production = _in_project(b.s.environments, web, "production")
    prod_eu = _in_project(b.s.environments, web, "prod-eu")
    staging = _in_project(b.s.environments, web, "staging")
    dev = _in_project(b.s.environments, web, "dev")
    b.check(web, "environment", str(production["id"]), "production", branch_control="refs/heads/main")
    b.check(web, "environment", str(prod_eu["id"]), "prod-eu",
            branch_control="refs/heads/main, refs/heads/feature/*")
    b.check(web, "environment", str(dev["id"]), "dev",
            required_template=("shared-templates", "refs/heads/main", "templates/deploy.yml"))
    b.check(web, "environment", str(staging["id"]), "staging",
            required_template=("contoso-web", "refs/heads/main", "templates/deploy.yml"))


def _variable_groups(b: Builder, payments: dict[str, Any]) -> None:
    """A variable group nothing links or is authorized for, last changed 400 days ago."""
    group = b.variable_group([payments], "legacy-release-vars", {
        "releaseChannel": {"value": "stable"}, "notifyEmail": {"value": f"release@{b.s.organization}.com"},
    }, description="Variables of the retired classic release")
    group["createdOn"] = iso(b.s.now - timedelta(days=500))
    group["modifiedOn"] = iso(b.s.now - timedelta(days=400))


def _secure_files(b: Builder, data: dict[str, Any]) -> None:
    """A deploy key nothing uses, uploaded 300 days ago."""
    key = b.secure_file(data, "old-deploy-key.pem")
    key["createdOn"] = key["modifiedOn"] = iso(b.s.now - timedelta(days=300))


def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
    with own_random(b, "library"):
        web, payments = project_named(b, "Contoso Web"), project_named(b, "Payments")
        data, oss = project_named(b, "Data Platform"), project_named(b, "Open Source Tools")
        _roles(b, web, payments, data, oss)
        _agents(b, data)
        _connections(b, web, payments, oss)
        _environments(b, web)
        _variable_groups(b, payments)
        _secure_files(b, data)
