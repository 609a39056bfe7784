"""Every endpoint over HTTP on the demo organization: envelope, fields and ids agree with the state."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from resmo_pipeline.simulator import Simulator
from resmo_pipeline.simulator.data import APPROVAL_CHECK_TYPE, NAMESPACE_IDS, OrgState

ORGLESS = "app.vssps.visualstudio.com"


@pytest.fixture(scope="module")
def http() -> requests.Session:
    return requests.Session()


def call(sim: Simulator, host: str, path: str, version: str = "7.1", *, method: str = "GET", body: Any = None,
         pat: str | None = None, session: requests.Session | None = None, **params: str) -> requests.Response:
    """One request the way a client sends it (Basic auth with the PAT, api-version in the query)."""
    prefix = f"{sim.base_url}/{host}" if host == ORGLESS else f"{sim.base_url}/{host}/{sim.organization}"
    sender = session or requests
    return sender.request(method, f"{prefix}/{path}", params={**params, "api-version": version}, json=body,
                          auth=("", pat or sim.pat), headers={"X-TFS-FedAuthRedirect": "Suppress"}, timeout=30)


def ok(response: requests.Response) -> Any:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def collection(response: requests.Response) -> list[dict[str, Any]]:
    body = ok(response)
    assert set(body) == {"count", "value"} and body["count"] == len(body["value"])
    return body["value"]


def project(state: OrgState, name: str) -> dict[str, Any]:
    found = state.project(name)
    assert found is not None
    return found


def test_profile_accounts_and_connection_data(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    me = ok(call(simulator, ORGLESS, "_apis/profile/profiles/me", session=http))
    assert me["id"] == me["publicAlias"] == state.pat_owner["id"]
    accounts = collection(call(simulator, ORGLESS, "_apis/accounts", memberId=me["id"], session=http))
    assert [a["accountName"] for a in accounts] == ["contoso"] and accounts[0]["accountId"] == state.org_id
    refused = call(simulator, ORGLESS, "_apis/accounts", session=http)
    assert refused.status_code == 400 and refused.json()["typeKey"] == "AccountException"
    assert refused.json()["eventId"] == 4236
    connection = ok(call(simulator, "dev.azure.com", "_apis/connectionData", "7.1-preview.1", session=http))
    assert connection["instanceId"] == state.org_id
    assert connection["authenticatedUser"]["subjectDescriptor"] == state.pat_owner["descriptor"]
    plain = call(simulator, "dev.azure.com", "_apis/connectionData", "7.1", session=http)
    assert plain.status_code == 400 and plain.json()["typeKey"] == "VssInvalidPreviewVersionException"


def test_projects_properties_teams_and_members(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    projects = collection(call(simulator, "dev.azure.com", "_apis/projects", session=http))
    assert [p["name"] for p in projects] == [p["name"] for p in state.projects]
    assert {p["visibility"] for p in projects} == {"private", "public"}
    assert all(set(p) >= {"id", "name", "url", "state", "revision", "visibility", "lastUpdateTime"} for p in projects)
    web = project(state, "Contoso Web")
    one = ok(call(simulator, "dev.azure.com", f"_apis/projects/{web['id']}", includeCapabilities="true",
                  session=http))
    assert one["capabilities"]["processTemplate"]["templateName"] == "Agile"
    assert one["capabilities"]["versioncontrol"]["sourceControlType"] == "Git"
    assert one["defaultTeam"]["name"] == "Contoso Web Team"
    by_name = ok(call(simulator, "dev.azure.com", "_apis/projects/Payments", session=http))
    assert by_name["name"] == "Payments"
    missing = call(simulator, "dev.azure.com", "_apis/projects/Nope", session=http)
    assert missing.status_code == 404 and missing.json()["typeKey"] == "ProjectDoesNotExistWithNameException"
    properties = collection(call(simulator, "dev.azure.com", f"_apis/projects/{web['id']}/properties",
                                 "7.1-preview.1", keys="System.Process*", session=http))
    assert {p["name"] for p in properties} == {"System.Process Template", "System.ProcessTemplateType"}
    teams = collection(call(simulator, "dev.azure.com", f"_apis/projects/{web['id']}/teams", session=http))
    assert {t["name"] for t in teams} == {"Contoso Web Team", "Quality assurance"}
    assert all(t["projectId"] == web["id"] and "_descriptor" not in t for t in teams)
    all_teams = collection(call(simulator, "dev.azure.com", "_apis/teams", "7.1-preview.3", session=http))
    assert len(all_teams) == sum(len(t) for t in state.teams.values())
    qa = next(t for t in teams if t["name"] == "Quality assurance")
    members = collection(call(simulator, "dev.azure.com", f"_apis/projects/{web['id']}/teams/{qa['id']}/members",
                              session=http))
    assert {(m["identity"]["displayName"], m["isTeamAdmin"]) for m in members} == {
        ("Quinn QA", True), ("Lena Test", False)}


def test_graph_subjects_memberships_lookup_and_descriptors(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    users = collection(call(simulator, "vssps.dev.azure.com", "_apis/graph/users", "7.1-preview.1", session=http))
    assert {u["descriptor"] for u in users} == {d for d, s in state.subjects.items() if s["subjectKind"] == "user"}
    assert {u["descriptor"][:4] for u in users} >= {"aad.", "msa.", "svc."}
    assert {u["metaType"] for u in users if u["origin"] == "aad"} == {"member", "guest"}
    assert all(u["_links"]["memberships"]["href"].endswith(u["descriptor"]) for u in users)
    svc_only = collection(call(simulator, "vssps.dev.azure.com", "_apis/graph/users", "7.1-preview.1",
                               subjectTypes="svc", session=http))
    assert svc_only and all(u["descriptor"].startswith("svc.") for u in svc_only)
    groups = collection(call(simulator, "vssps.dev.azure.com", "_apis/graph/groups", "7.1-preview.1", session=http))
    names = {g["principalName"] for g in groups}
    assert {"[contoso]\\Project Collection Administrators", "[contoso]\\Project Collection Build Service Accounts",
            "[Payments]\\Project Administrators", "[TEAM FOUNDATION]\\Enterprise Service Accounts"} <= names
    web = project(state, "Contoso Web")
    scope = ok(call(simulator, "vssps.dev.azure.com", f"_apis/graph/descriptors/{web['id']}", "7.1-preview.1",
                    session=http))["value"]
    scoped = collection(call(simulator, "vssps.dev.azure.com", "_apis/graph/groups", "7.1-preview.1",
                             scopeDescriptor=scope, session=http))
    assert scoped and all(g["domain"].endswith(web["id"]) for g in scoped)
    sps = collection(call(simulator, "vssps.dev.azure.com", "_apis/graph/serviceprincipals", "7.1-preview.1",
                          session=http))
    assert state.service_principal["descriptor"] in {s["descriptor"] for s in sps}
    assert all(s["subjectKind"] == "servicePrincipal" and s["descriptor"].startswith("aadsp.") for s in sps)
    pca = state.group_named("[contoso]\\Project Collection Administrators")
    assert pca is not None
    down = collection(call(simulator, "vssps.dev.azure.com", f"_apis/graph/memberships/{pca['descriptor']}",
                           "7.1-preview.1", direction="down", session=http))
    assert {m["memberDescriptor"] for m in down} == set(state.memberships_down[pca["descriptor"]])
    assert all(m["containerDescriptor"] == pca["descriptor"] for m in down)
    alice = state.pat_owner["descriptor"]
    up = collection(call(simulator, "vssps.dev.azure.com", f"_apis/graph/memberships/{alice}", "7.1-preview.1",
                         session=http))
    assert {m["containerDescriptor"] for m in up} == set(state.memberships_up[alice])
    lookup = ok(call(simulator, "vssps.dev.azure.com", "_apis/graph/subjectlookup", "7.1-preview.1",
                     method="POST", body={"lookupKeys": [{"descriptor": alice}, {"descriptor": "aad.bm9wZQ"}]},
                     session=http))
    assert lookup["count"] == 1 and list(lookup["value"]) == [alice]
    assert lookup["value"][alice]["displayName"] == "Alice Admin"
    unknown = call(simulator, "vssps.dev.azure.com", "_apis/graph/users/aad.bm9wZQ", "7.1-preview.1", session=http)
    assert unknown.status_code == 404


def test_identities_resolve_acl_descriptors(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    acls = collection(call(simulator, "dev.azure.com", f"_apis/accesscontrollists/{NAMESPACE_IDS['Git Repositories']}",
                           includeExtendedInfo="true", session=http))
    assert acls and all("extendedInfo" in ace for acl in acls for ace in acl["acesDictionary"].values())
    descriptors = sorted({d for acl in acls for d in acl["acesDictionary"]})
    found = collection(call(simulator, "vssps.dev.azure.com", "_apis/identities", descriptors=",".join(descriptors),
                            queryMembership="Direct", session=http))
    assert [i["descriptor"] for i in found] == descriptors
    assert all(i["subjectDescriptor"] in state.subjects for i in found)
    by_id = collection(call(simulator, "vssps.dev.azure.com", "_apis/identities",
                            identityIds=f"{state.pat_owner['id']},00000000-0000-0000-0000-000000000001",
                            session=http))
    assert by_id[0]["properties"]["Account"]["$value"] == "alice@contoso.com" and by_id[1] is None
    namespaces = collection(call(simulator, "dev.azure.com", "_apis/securitynamespaces", session=http))
    git = next(n for n in namespaces if n["namespaceId"] == NAMESPACE_IDS["Git Repositories"])
    assert [a["bit"] for a in git["actions"][:4]] == [1, 2, 4, 8]
    token = acls[0]["token"]
    one = collection(call(simulator, "dev.azure.com", f"_apis/accesscontrollists/{NAMESPACE_IDS['Git Repositories']}",
                          token=token, session=http))
    assert [a["token"] for a in one] == [token] and "extendedInfo" not in next(iter(one[0]["acesDictionary"].values()))


def test_entitlements_and_token_admin(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    body = ok(call(simulator, "vsaex.dev.azure.com", "_apis/userentitlements", session=http))
    assert set(body) == {"members", "items", "totalCount", "continuationToken"}
    assert body["members"] == body["items"] and body["totalCount"] == len(state.entitlements)
    assert body["continuationToken"] is None
    by_name = {e["user"]["displayName"]: e for e in body["members"]}
    assert by_name["Nate Never"]["lastAccessedDate"] == "0001-01-01T00:00:00Z"
    assert by_name["Karl Dev"]["accessLevel"]["licenseDisplayName"] == "Basic + Test Plans"
    assert by_name["Grace Guest"]["user"]["metaType"] == "guest"
    assert {p["projectRef"]["name"] for p in by_name["Frank Finance"]["projectEntitlements"]} == {"Payments"}
    guests = ok(call(simulator, "vsaex.dev.azure.com", "_apis/userentitlements", **{"$filter": "userType eq 'guest'"},
                     session=http))
    assert [e["user"]["displayName"] for e in guests["members"]] == ["Grace Guest"]
    recent = ok(call(simulator, "vsaex.dev.azure.com", "_apis/userentitlements",
                     **{"$orderBy": "lastAccessed desc"}, session=http))["members"]
    accessed = [e["lastAccessedDate"] for e in recent]
    assert accessed == sorted(accessed, reverse=True) and recent[-1]["lastAccessedDate"].startswith("0001")
    bad_order = call(simulator, "vsaex.dev.azure.com", "_apis/userentitlements", **{"$orderBy": "shoeSize"},
                     session=http)
    assert bad_order.status_code == 400
    one = ok(call(simulator, "vsaex.dev.azure.com", f"_apis/userentitlements/{state.pat_owner['id']}", session=http))
    assert one["user"]["principalName"] == "alice@contoso.com"
    rules = collection(call(simulator, "vsaex.dev.azure.com", "_apis/groupentitlements", session=http))
    assert rules and all(r["group"]["origin"] == "aad" for r in rules)
    pats = ok(call(simulator, "vssps.dev.azure.com",
                   f"_apis/tokenadmin/personalaccesstokens/{state.pat_owner['descriptor']}", session=http))
    assert set(pats) == {"value", "continuationToken"} and pats["continuationToken"] is None
    assert {p["scope"] for p in pats["value"]} == {"app_token", "vso.code vso.build vso.graph vso.project"}
    assert all(p["token"] is None for p in pats["value"])
    own = ok(call(simulator, "vssps.dev.azure.com", "_apis/tokens/pats", "7.1-preview.1", session=http))
    assert own["continuationToken"] == "" and {p["displayName"] for p in own["patTokens"]} == {
        "inventory-readonly", "full-access-legacy"}
    assert all(p["token"] is None for p in own["patTokens"])


def test_code_endpoints(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    repos = collection(call(simulator, "dev.azure.com", "_apis/git/repositories", session=http))
    assert {r["id"] for r in repos} == {r["id"] for r in state.repositories}
    by_name = {r["name"]: r for r in repos}
    assert by_name["web-archive"]["isDisabled"] is True and "defaultBranch" not in by_name["web-archive"]
    assert by_name["web-experiments"]["isFork"] is True
    assert by_name["web-experiments"]["parentRepository"]["id"] == by_name["contoso-web"]["id"]
    payments = collection(call(simulator, "dev.azure.com", "Payments/_apis/git/repositories", session=http))
    assert {r["name"] for r in payments} == {"payments-api", "payments-infra"}
    web = by_name["contoso-web"]
    heads = collection(call(simulator, "dev.azure.com", f"Contoso Web/_apis/git/repositories/{web['id']}/refs",
                            filter="heads/", session=http))
    assert "refs/heads/main" in {r["name"] for r in heads} and all(r["name"].startswith("refs/heads/") for r in heads)
    missing = call(simulator, "dev.azure.com", "Contoso Web/_apis/git/repositories/nope", session=http)
    assert missing.status_code == 404 and missing.json()["typeKey"] == "GitRepositoryNotFoundException"
    types = collection(call(simulator, "dev.azure.com", "Payments/_apis/policy/types", session=http))
    assert "Minimum number of reviewers" in {t["displayName"] for t in types}
    policies = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/policy/configurations", session=http))
    assert {p["id"] for p in policies} == {p["id"] for p in state.policy_configurations[web["project"]["id"]]}
    scoped = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/git/policy/configurations",
                             repositoryId=web["id"], refName="refs/heads/main", session=http))
    assert {p["type"]["displayName"] for p in scoped} == {"Minimum number of reviewers", "Build",
                                                          "Comment requirements"}
    data_repo = next(r for r in repos if r["name"] == "data-pipelines")
    project_wide = collection(call(simulator, "dev.azure.com", "Data Platform/_apis/git/policy/configurations",
                                   repositoryId=data_repo["id"], refName="refs/heads/main", session=http))
    assert all(p["settings"]["scope"][0]["repositoryId"] is None for p in project_wide) and len(project_wide) == 2


def test_pipeline_endpoints(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    web = project(state, "Contoso Web")
    shallow = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/build/definitions", session=http))
    assert {d["name"] for d in shallow} == {d["name"] for d in state.build_definitions[web["id"]]}
    assert {"web-ci", "web-legacy-ci", "shared-templates-validate"} <= {d["name"] for d in shallow}
    assert all("process" not in d and "queue" in d and "latestBuild" not in d for d in shallow)
    full = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/build/definitions",
                           includeAllProperties="true", session=http))
    web_ci = next(d for d in full if d["name"] == "web-ci")
    assert "latestBuild" not in web_ci  # only with includeLatestBuilds=true
    with_latest = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/build/definitions",
                                  includeAllProperties="true", includeLatestBuilds="true", session=http))
    assert next(d for d in with_latest if d["name"] == "web-ci")["latestBuild"]["id"]
    fork = next(t for t in web_ci["triggers"] if t["triggerType"] == "pullRequest")["forks"]
    assert fork == {"enabled": True, "allowSecrets": True, "allowFullAccessToken": False}
    assert web_ci["queue"]["pool"]["isHosted"] is False and web_ci["process"]["type"] == 2
    one = ok(call(simulator, "dev.azure.com", f"Contoso Web/_apis/build/definitions/{web_ci['id']}", session=http))
    assert one["variables"]["deployUrl"]["allowOverride"] is True
    pipelines = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/pipelines", session=http))
    assert [p["name"] for p in pipelines] == sorted(p["name"] for p in pipelines)
    detail = ok(call(simulator, "dev.azure.com", f"Contoso Web/_apis/pipelines/{web_ci['id']}", session=http))
    assert detail["configuration"]["type"] == "yaml"
    settings = ok(call(simulator, "dev.azure.com", "Contoso Web/_apis/build/generalsettings", session=http))
    assert settings["forkProtectionEnabled"] is False and settings["enforceJobAuthScope"] is False
    endpoints = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/serviceendpoint/endpoints",
                                session=http))
    by_name = {e["name"]: e for e in endpoints}
    assert set(by_name) == {"prod-azure-wif", "legacy-azure-secret", "github-contoso"}
    assert by_name["legacy-azure-secret"]["authorization"]["parameters"]["authenticationType"] == "spnKey"
    assert by_name["legacy-azure-secret"]["authorization"]["parameters"]["serviceprincipalkey"] is None
    assert by_name["prod-azure-wif"]["authorization"]["scheme"] == "WorkloadIdentityFederation"
    assert len(by_name["github-contoso"]["serviceEndpointProjectReferences"]) == 2
    legacy_id = by_name["legacy-azure-secret"]["id"]
    permission = ok(call(simulator, "dev.azure.com",
                         f"Contoso Web/_apis/pipelines/pipelinepermissions/endpoint/{legacy_id}",
                         "7.1-preview.1", session=http))
    assert permission["allPipelines"]["authorized"] is True and permission["resource"]["type"] == "endpoint"
    wif = ok(call(simulator, "dev.azure.com",
                  f"Contoso Web/_apis/pipelines/pipelinepermissions/endpoint/{by_name['prod-azure-wif']['id']}",
                  "7.1-preview.1", session=http))
    assert "allPipelines" not in wif and web_ci["id"] in [p["id"] for p in wif["pipelines"]]
    legacy = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/build/authorizedresources",
                             "7.1-preview.1", type="endpoint", session=http))
    assert [(r["name"], r["authorized"]) for r in legacy] == [("legacy-azure-secret", True)]
    history = collection(call(simulator, "dev.azure.com",
                              f"Contoso Web/_apis/serviceendpoint/{by_name['prod-azure-wif']['id']}/executionhistory",
                              session=http))
    assert history and history[0]["data"]["finishTime"] >= history[-1]["data"]["finishTime"]
    checks = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/pipelines/checks/configurations",
                             "7.1-preview.1", resourceType="environment", **{"$expand": "settings"}, session=http))
    approvals = {c["resource"]["name"]: c for c in checks if c["type"]["id"] == APPROVAL_CHECK_TYPE["id"]}
    assert approvals["production"]["settings"]["requesterCannotBeApprover"] is True
    bare = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/pipelines/checks/configurations",
                           "7.1-preview.1", session=http))
    assert bare and all("settings" not in c for c in bare)
    releases = collection(call(simulator, "vsrm.dev.azure.com", "Data Platform/_apis/release/definitions",
                               **{"$expand": "environments"}, session=http))
    stages = {e["name"]: e for e in releases[0]["environments"]}
    assert stages["Pre-Prod"]["preDeployApprovals"]["approvalOptions"]["releaseCreatorCanBeApprover"] is True
    unexpanded = collection(call(simulator, "vsrm.dev.azure.com", "Data Platform/_apis/release/definitions",
                                 session=http))
    assert "environments" not in unexpanded[0]
    assert web["id"] in {p["id"] for p in state.projects}


def test_library_agents_and_environments(simulator: Simulator, http: requests.Session) -> None:
    groups = collection(call(simulator, "dev.azure.com", "Payments/_apis/distributedtask/variablegroups",
                             session=http))
    kv = next(g for g in groups if g["name"] == "payments-prod-kv")
    assert kv["type"] == "AzureKeyVault" and kv["providerData"]["vault"] == "kv-payments-prod"
    assert kv["variables"]["ledger-db-password"]["value"] is None
    one = ok(call(simulator, "dev.azure.com", f"Payments/_apis/distributedtask/variablegroups/{kv['id']}",
                  session=http))
    assert one["name"] == "payments-prod-kv"
    files = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/distributedtask/securefiles",
                            "7.1-preview.1", session=http))
    assert [f["name"] for f in files] == ["signing-cert.pfx"]
    pools = collection(call(simulator, "dev.azure.com", "_apis/distributedtask/pools", session=http))
    assert {(p["name"], p["isHosted"]) for p in pools} >= {("Azure Pipelines", True), ("self-hosted-linux", False)}
    self_hosted = next(p for p in pools if p["name"] == "self-hosted-linux")
    agents = collection(call(simulator, "dev.azure.com", f"_apis/distributedtask/pools/{self_hosted['id']}/agents",
                             includeCapabilities="true", session=http))
    assert "DEPLOY_PAT" in next(a for a in agents if a["name"] == "build-agent-02")["userCapabilities"]
    plain = collection(call(simulator, "dev.azure.com", f"_apis/distributedtask/pools/{self_hosted['id']}/agents",
                            session=http))
    assert all("userCapabilities" not in a for a in plain)
    queues = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/distributedtask/queues", session=http))
    assert {q["name"] for q in queues} == {"Azure Pipelines", "self-hosted-linux"}
    environments = collection(call(simulator, "dev.azure.com", "Contoso Web/_apis/distributedtask/environments",
                                   session=http))
    assert {e["name"] for e in environments} == {"production", "staging", "prod-eu", "dev"}


def test_audit_feeds_extensions_and_org_policies(simulator: Simulator, http: requests.Session) -> None:
    state = simulator.state
    audit = ok(call(simulator, "auditservice.dev.azure.com", "_apis/audit/auditlog", "7.1-preview.1",
                    batchSize="10", session=http))
    assert set(audit) == {"decoratedAuditLogEntries", "continuationToken", "hasMore"} and audit["hasMore"] is True
    stamps = [e["timestamp"] for e in audit["decoratedAuditLogEntries"]]
    assert stamps == sorted(stamps) and len(stamps) == 10
    entry = audit["decoratedAuditLogEntries"][0]
    assert {"actionId", "area", "category", "actorUPN", "scopeId", "projectName"} <= set(entry)
    streams = collection(call(simulator, "auditservice.dev.azure.com", "_apis/audit/streams", "7.1-preview.1",
                              session=http))
    assert {(s["displayName"], s["status"]) for s in streams} == {("splunk-siem", "enabled"),
                                                                  ("legacy-eventgrid", "disabledByUser")}
    org_feeds = collection(call(simulator, "feeds.dev.azure.com", "_apis/packaging/feeds", session=http))
    assert [f["name"] for f in org_feeds] == ["contoso-shared"] and org_feeds[0]["project"] is None
    project_feeds = collection(call(simulator, "feeds.dev.azure.com", "Payments/_apis/packaging/feeds", session=http))
    assert [f["name"] for f in project_feeds] == ["payments-internal"]
    permissions = collection(call(simulator, "feeds.dev.azure.com",
                                  f"_apis/packaging/Feeds/{org_feeds[0]['id']}/permissions", session=http))
    assert ("contributor", "[contoso]\\Project Collection Valid Users") in {
        (p["role"], p["displayName"]) for p in permissions}
    assert all(p["identityDescriptor"] in state.subject_by_legacy for p in permissions)
    extensions = collection(call(simulator, "extmgmt.dev.azure.com", "_apis/extensionmanagement/installedextensions",
                                 "7.1-preview.1", session=http))
    injector = next(e for e in extensions if e["extensionName"] == "Pipeline Injector")
    assert "ms.azure-pipelines.pipeline-decorator" in {c["type"] for c in injector["contributions"]}
    assert "vso.code_write" in injector["scopes"]
    page = ok(call(simulator, "dev.azure.com", "_settings/organizationPolicy", "5.0-preview.1", __rt="fps",
                   __ver="2", session=http))
    groups = page["fps"]["dataProviders"]["data"]["ms.vss-admin-web.organization-policies-data-provider"]["policies"]
    policies = {e["policy"]["name"]: e["policy"]["effectiveValue"] for entries in groups.values() for e in entries}
    assert policies["Policy.AllowAnonymousAccess"] is True and policies["Policy.DisallowSecureShell"] is True
    query = ok(call(simulator, "dev.azure.com", "_apis/Contribution/HierarchyQuery", "5.0-preview.1", method="POST",
                    body={"contributionIds": ["ms.vss-build-web.pipelines-org-settings-data-provider"]},
                    session=http))
    assert query["dataProviders"]["ms.vss-build-web.pipelines-org-settings-data-provider"]["enforceJobAuthScope"]


def test_limited_pat_is_refused_outside_its_scope(simulator: Simulator, http: requests.Session) -> None:
    pat = simulator.issue_pat(("vso.code",))
    assert call(simulator, "dev.azure.com", "_apis/git/repositories", pat=pat, session=http).status_code == 200
    refused = call(simulator, "dev.azure.com", "Payments/_apis/build/definitions", pat=pat, session=http)
    assert refused.status_code == 403 and "vso.build" in refused.json()["message"]


def test_single_object_gets(simulator: Simulator, http: requests.Session) -> None:
    """The by-id endpoints answer the unwrapped object (or the service's 404)."""
    state = simulator.state
    web = project(state, "Contoso Web")
    team = state.teams[web["id"]][0]
    assert ok(call(simulator, "dev.azure.com", f"_apis/projects/{web['id']}/teams/{team['id']}",
                   session=http))["name"] == team["name"]
    assert {p["name"] for p in collection(call(simulator, "dev.azure.com", "_apis/process/processes",
                                               session=http))} == {"Agile", "Scrum", "Basic"}
    pca = state.group_named("[contoso]\\Project Collection Administrators")
    assert pca is not None
    eve = next(d for d in state.memberships_down[pca["descriptor"]] if state.subjects[d]["displayName"] == "Eve Direct")
    member = call(simulator, "vssps.dev.azure.com", f"_apis/graph/memberships/{eve}/{pca['descriptor']}",
                  "7.1-preview.1", session=http)
    assert ok(member)["containerDescriptor"] == pca["descriptor"]
    judy = next(d for d, s in state.subjects.items() if s["displayName"] == "Judy Dev")
    assert call(simulator, "vssps.dev.azure.com", f"_apis/graph/memberships/{judy}/{pca['descriptor']}",
                "7.1-preview.1", session=http).status_code == 404
    assert ok(call(simulator, "vssps.dev.azure.com", f"_apis/graph/membershipstates/{eve}", "7.1-preview.1",
                   session=http))["active"] is True
    assert ok(call(simulator, "vssps.dev.azure.com", f"_apis/graph/groups/{pca['descriptor']}", "7.1-preview.1",
                   session=http))["displayName"] == "Project Collection Administrators"
    policy = state.policy_configurations[web["id"]][0]
    assert ok(call(simulator, "dev.azure.com", f"Contoso Web/_apis/policy/configurations/{policy['id']}",
                   session=http))["id"] == policy["id"]
    assert ok(call(simulator, "dev.azure.com", f"Contoso Web/_apis/policy/types/{policy['type']['id']}",
                   session=http))["displayName"] == policy["type"]["displayName"]
    release = state.release_definitions[web["id"]][0]
    assert ok(call(simulator, "vsrm.dev.azure.com", f"Contoso Web/_apis/release/definitions/{release['id']}",
                   session=http))["environments"]
    endpoint = next(e for e in state.service_endpoints if e["name"] == "prod-azure-wif")
    assert ok(call(simulator, "dev.azure.com", f"Contoso Web/_apis/serviceendpoint/endpoints/{endpoint['id']}",
                   session=http))["name"] == "prod-azure-wif"
    assert ok(call(simulator, "dev.azure.com", f"Payments/_apis/serviceendpoint/endpoints/{endpoint['id']}",
                   session=http)) is None
    environment = state.environments[web["id"]][0]
    assert ok(call(simulator, "dev.azure.com", f"Contoso Web/_apis/distributedtask/environments/{environment['id']}",
                   session=http))["name"] == environment["name"]
    assert ok(call(simulator, "dev.azure.com", "_apis/distributedtask/pools/1", session=http))["isHosted"] is True
    assert call(simulator, "dev.azure.com", "_apis/distributedtask/pools/999", session=http).status_code == 404
    one_namespace = collection(call(simulator, "dev.azure.com",
                                    f"_apis/securitynamespaces/{NAMESPACE_IDS['Build']}", session=http))
    assert [n["name"] for n in one_namespace] == ["Build"]
    creators = collection(call(simulator, "feeds.dev.azure.com", "_apis/packaging/globalpermissions", session=http))
    assert {p["role"] for p in creators} == {"administrator", "feedCreator"}
    aad = ok(call(simulator, "dev.azure.com", "_settings/organizationAad", "5.0-preview.1", __rt="fps", __ver="2",
                  session=http))
    tenant = aad["fps"]["dataProviders"]["data"]["ms.vss-admin-web.organization-admin-aad-data-provider"]
    assert tenant["orgnizationTenantData"]["id"] == state.tenant_id
