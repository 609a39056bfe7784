"""The generated organizations: determinism, sizes, formats, referential integrity and the demo rule examples."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from resmo_pipeline.catalog.service_hooks import _target as service_hook_target
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.simulator.data import (
    APPROVAL_CHECK_TYPE,
    DEMO_RULE_EXAMPLES,
    NAMESPACE_IDS,
    NEVER,
    OrgState,
    build_state,
)

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
RULE_IDS = [rule.id for rule in builtin_rules()]


@pytest.fixture(scope="module")
def demo() -> OrgState:
    return build_state("demo", "contoso", 7, now=NOW)


@pytest.fixture(scope="module")
def medium() -> OrgState:
    return build_state("medium", "fabrikam", 3, now=NOW)


def _walk_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _walk_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _walk_strings(v)]
    return []


def test_same_seed_same_organization_and_other_seed_differs() -> None:
    first = build_state("demo", "contoso", 7, now=NOW)
    again = build_state("demo", "contoso", 7, now=NOW)
    other = build_state("demo", "contoso", 8, now=NOW)
    assert [p["id"] for p in first.projects] == [p["id"] for p in again.projects]
    assert [r["id"] for r in first.repositories] == [r["id"] for r in again.repositories]
    assert list(first.subjects) == list(again.subjects)
    assert [p["id"] for p in first.projects] != [p["id"] for p in other.projects]


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown preset"):
        build_state("huge", "contoso", 1)


def test_medium_preset_sizes(medium: OrgState) -> None:
    users = [s for s in medium.subjects.values() if s["subjectKind"] == "user" and s["origin"] == "aad"]
    assert len(medium.projects) == 50
    assert len(medium.repositories) == 500
    assert len(users) == 5000
    assert sum(len(v) for v in medium.build_definitions.values()) == 500
    assert len(medium.service_endpoints) == 250
    assert len(medium.variable_groups) == 150
    assert sum(len(m) for m in medium.memberships_down.values()) >= 4000
    assert max(len(refs) for refs in medium.refs.values()) > 200  # some repositories page their refs


def test_dates_have_seven_fractional_digits(demo: OrgState) -> None:
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
    collections = [demo.projects, demo.repositories, demo.build_definitions, demo.release_definitions,
                   demo.service_endpoints, demo.variable_groups, demo.audit_log, demo.pats, demo.entitlements,
                   demo.check_configurations, demo.environments, demo.extensions]
    dates = [s for c in collections for s in _walk_strings(c) if stamp.match(s)]
    assert len(dates) > 100
    for value in dates:
        assert value == NEVER or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", value), value


def test_secrets_are_never_in_the_data(demo: OrgState) -> None:
    variables = [v for d in demo.build_definitions.values() for x in d for v in x["variables"].values()]
    variables += [v for g in demo.variable_groups for v in g["variables"].values()]
    variables += [v for d in demo.release_definitions.values() for x in d for v in x["variables"].values()]
    secret = [v for v in variables if v.get("isSecret")]
    assert secret and all(v["value"] is None for v in secret)
    for endpoint in demo.service_endpoints:
        for key in ("serviceprincipalkey", "accessToken", "password", "certificate"):
            assert endpoint["authorization"]["parameters"].get(key) is None
    assert all(p["token"] is None and p["alternateToken"] is None for ps in demo.pats.values() for p in ps)


def _integrity_problems(state: OrgState) -> list[str]:
    problems: list[str] = []
    project_ids = {p["id"] for p in state.projects}
    repo_ids = {r["id"] for r in state.repositories}
    identity_ids = set(state.subject_by_id)

    def need(condition: bool, text: str) -> None:
        if not condition:
            problems.append(text)

    for repo in state.repositories:
        need(repo["project"]["id"] in project_ids, f"repo {repo['name']} project")
        need(repo["id"] in state.refs, f"repo {repo['name']} refs")
        if repo.get("parentRepository"):
            need(repo["parentRepository"]["id"] in repo_ids, f"fork {repo['name']} parent")
    for pid, definitions in state.build_definitions.items():
        need(pid in project_ids, "build definitions project")
        queue_ids = {q["id"] for q in state.queues[pid]}
        for definition in definitions:
            need(definition["project"]["id"] == pid, f"definition {definition['name']} project")
            if definition["repository"].get("type", "TfsGit") == "TfsGit":  # GitHub, Bitbucket: not in this org
                need(definition["repository"]["id"] in repo_ids, f"definition {definition['name']} repo")
            need(definition["queue"]["id"] in queue_ids, f"definition {definition['name']} queue")
            need(definition["authoredBy"]["id"] in identity_ids, f"definition {definition['name']} author")
    pool_ids = {p["id"] for p in state.pools}
    for pid, queues in state.queues.items():
        for queue in queues:
            need(queue["projectId"] == pid and queue["pool"]["id"] in pool_ids, f"queue {queue['name']}")
    for pid, policies in state.policy_configurations.items():
        for policy in policies:
            for scope in policy["settings"]["scope"]:
                need(scope["repositoryId"] is None or scope["repositoryId"] in repo_ids, f"policy {policy['id']}")
            if "buildDefinitionId" in policy["settings"]:
                need(any(d["id"] == policy["settings"]["buildDefinitionId"] for d in state.build_definitions[pid]),
                     f"policy {policy['id']} build definition")
    for item in state.service_endpoints + state.variable_groups:
        refs = item.get("serviceEndpointProjectReferences") or item.get("variableGroupProjectReferences")
        need(all(r["projectReference"]["id"] in project_ids for r in refs), f"{item['name']} project refs")
    for (pid, kind, resource_id), body in state.pipeline_permissions.items():
        need(pid in project_ids, f"pipeline permission {kind} {resource_id} project")
        need(body["resource"]["id"].lower() == resource_id, f"pipeline permission {kind} {resource_id} id")
    for pid, checks in state.check_configurations.items():
        for check in checks:
            key = (pid, check["resource"]["type"], check["resource"]["id"].lower())
            need(key in state.pipeline_permissions, f"check {check['id']} resource")
            for approver in check["settings"].get("approvers", []):
                need(approver["id"] in identity_ids, f"check {check['id']} approver")
    for container, members in state.memberships_down.items():
        need(container in state.subjects, f"membership container {container}")
        need(state.subjects.get(container, {}).get("subjectKind") == "group", f"container {container} kind")
        need(all(m in state.subjects and container in state.memberships_up[m] for m in members),
             f"members of {container}")
    for acls in state.acls.values():
        for acl in acls:
            need(all(k in state.subject_by_legacy for k in acl["acesDictionary"]), f"ACL {acl['token']}")
    for team_id, members in state.team_members.items():
        need(team_id in identity_ids, f"team {team_id}")
        need(all(m["identity"]["id"] in identity_ids for m in members), f"team {team_id} members")
    for descriptor, tokens in state.pats.items():
        need(all(t["userId"] == state.subjects[descriptor]["_id"] for t in tokens), f"PATs of {descriptor}")
    need(all(d in state.subjects for d in state.entitlements), "entitlements")
    for feed in state.feeds:
        need(feed["project"] is None or feed["project"]["id"] in project_ids, f"feed {feed['name']}")
        need(all(p["identityId"] in identity_ids for p in state.feed_permissions[feed["id"]]), "feed permissions")
    for entry in state.audit_log:
        need(entry["actorUserId"] in identity_ids, "audit actor")
        need(entry["projectId"] is None or entry["projectId"] in project_ids, "audit project")
    for pid, definitions in state.release_definitions.items():
        need(all(d["projectReference"]["id"] == pid for d in definitions), "release definitions project")
    need(state.entra_sp["descriptor"] in state.subjects, "Entra service principal")
    need(state.owner["descriptor"] in state.entitlements, "owner")
    return problems


@pytest.mark.parametrize("preset", ["demo", "medium"])
def test_referential_integrity(preset: str, demo: OrgState, medium: OrgState) -> None:
    state = demo if preset == "demo" else medium
    assert _integrity_problems(state) == []


def test_acl_namespaces_are_known(demo: OrgState) -> None:
    assert set(demo.acls) <= set(NAMESPACE_IDS.values())
    assert NAMESPACE_IDS["Git Repositories"] in demo.acls


def _hook_label(subscription: dict[str, Any]) -> str:
    """A service hook as rules name it (the service_hook_label macro): consumer, event and target host."""
    host = service_hook_target(subscription)[1]
    return f"{subscription['consumerId']} {subscription['eventType']}" + (f" to {host}" if host else "")


def _demo_names(state: OrgState) -> set[str]:
    names: set[str] = set()
    names |= {p["name"] for p in state.projects} | {r["name"] for r in state.repositories}
    for collection in (state.build_definitions, state.release_definitions, state.environments, state.secure_files,
                       state.queues):
        names |= {item["name"] for items in collection.values() for item in items}
    names |= {e["name"] for e in state.service_endpoints} | {g["name"] for g in state.variable_groups}
    names |= {a["name"] for agents in state.agents.values() for a in agents} | {f["name"] for f in state.feeds}
    names |= {e["extensionName"] for e in state.extensions} | set(state.org_policies)
    names |= {s["displayName"] for s in state.audit_streams}
    names |= {pr["title"] for prs in state.pull_requests.values() for pr in prs}
    names |= {p["displayName"] for ps in state.pats.values() for p in ps} | set(state.org_pipeline_settings)
    names |= {_hook_label(h) for h in state.service_hook_subscriptions}
    names |= {g["name"] for gs in state.task_groups.values() for g in gs}
    names |= {p["name"] for p in state.pools} | {g["name"] for gs in state.deployment_groups.values() for g in gs}
    names |= {m["agent"]["name"] for ms in state.deployment_targets.values() for m in ms}
    for subject in state.subjects.values():
        names |= {subject["displayName"], subject["principalName"], subject["principalName"].split("\\")[-1]}
    return names


def test_demo_rule_examples_cover_every_rule_with_existing_resources(demo: OrgState) -> None:
    assert sorted(DEMO_RULE_EXAMPLES) == sorted(RULE_IDS)
    names = _demo_names(demo)
    for rule_id, example in DEMO_RULE_EXAMPLES.items():
        assert example["violating"] and example["compliant"], rule_id
        assert not set(example["violating"]) & set(example["compliant"]), rule_id
        missing = [n for n in example["violating"] + example["compliant"] if n not in names]
        assert missing == [], (rule_id, missing)


def _permission(state: OrgState, kind: str, name: str) -> dict[str, Any]:
    return next(p for (_, k, _), p in state.pipeline_permissions.items() if k == kind and p["resource"]["name"] == name)


def _open_to_all(state: OrgState, kind: str, name: str) -> bool:
    return bool((_permission(state, kind, name).get("allPipelines") or {}).get("authorized"))


def test_demo_all_pipelines_examples(demo: OrgState) -> None:
    open_endpoints = {e["name"] for e in demo.service_endpoints if _open_to_all(demo, "endpoint", e["name"])}
    assert open_endpoints == {"legacy-azure-secret"}
    open_groups = {g["name"] for g in demo.variable_groups if _open_to_all(demo, "variablegroup", g["name"])}
    secret_groups = {g["name"] for g in demo.variable_groups
                     if g["type"] == "AzureKeyVault" or any(v.get("isSecret") for v in g["variables"].values())}
    assert open_groups & secret_groups == {"prod-secrets"}
    files = [f["name"] for fs in demo.secure_files.values() for f in fs]
    open_files = {name for name in files if _open_to_all(demo, "securefile", name)}
    assert open_files == {"signing-cert.pfx"}
    open_other = {p["resource"]["name"] for (_, k, _), p in demo.pipeline_permissions.items()
                  if k in ("environment", "queue", "repository") and (p.get("allPipelines") or {}).get("authorized")}
    assert open_other == set(DEMO_RULE_EXAMPLES["resource.all_pipelines_access"]["violating"])


def test_demo_build_definition_examples(demo: OrgState) -> None:
    definitions = {d["name"]: d for ds in demo.build_definitions.values() for d in ds}
    forks = {name: next((t["forks"] for t in d["triggers"] if t["triggerType"] == "pullRequest"), None)
             for name, d in definitions.items()}
    risky = {n for n, f in forks.items() if f and f["enabled"] and (f["allowSecrets"] or f["allowFullAccessToken"])}
    assert risky == {"web-ci", "oss-cli-ci"}
    self_hosted = {n for n, f in forks.items()
                   if f and f["enabled"] and not definitions[n]["queue"]["pool"]["isHosted"]}
    assert self_hosted == {"web-ci"}
    collection_scoped = {n for n, d in definitions.items() if d["jobAuthorizationScope"] == "projectCollection"}
    assert collection_scoped == {"legacy-nightly"}
    assert {n for n, d in definitions.items() if d["process"]["type"] == 1} == {"legacy-nightly"}
    overridable = {n for n, d in definitions.items() if any(v.get("allowOverride") for v in d["variables"].values())}
    assert overridable == {"web-ci"}


def test_demo_approvals_and_checks(demo: OrgState) -> None:
    approvals = {c["resource"]["name"]: c for cs in demo.check_configurations.values() for c in cs
                 if c["type"]["id"] == APPROVAL_CHECK_TYPE["id"] and c["resource"]["type"] == "environment"}
    assert approvals["production"]["settings"]["requesterCannotBeApprover"] is True
    assert approvals["production-data"]["settings"]["requesterCannotBeApprover"] is False
    assert "payments-prod" not in approvals
    releases = {d["name"]: d for ds in demo.release_definitions.values() for d in ds}
    payments = {e["name"]: e for e in releases["payments-release"]["environments"]}
    assert payments["Production"]["preDeployApprovals"]["approvals"][0]["isAutomated"] is True
    data = {e["name"]: e for e in releases["data-release"]["environments"]}
    assert data["Pre-Prod"]["preDeployApprovals"]["approvalOptions"]["releaseCreatorCanBeApprover"] is True


def test_demo_identity_examples(demo: OrgState) -> None:
    by_name = {s["displayName"]: s for s in demo.subjects.values()}
    entitlements = {by_name[n]["descriptor"]: n for n in ("Dana Old", "Nate Never", "Grace Guest", "Nina New")}
    assert demo.entitlements[by_name["Nate Never"]["descriptor"]]["lastAccessedDate"] == NEVER
    assert by_name["Grace Guest"]["metaType"] == "guest"
    assert set(entitlements.values()) == {"Dana Old", "Nate Never", "Grace Guest", "Nina New"}
    pca = demo.group_named("[contoso]\\Project Collection Administrators")
    assert pca is not None

    def transitive(group: str) -> set[str]:
        seen, todo = set(), [group]
        while todo:
            for member in demo.memberships_down.get(todo.pop(), []):
                if member not in seen:
                    seen.add(member)
                    todo.append(member)
        return seen

    humans = {demo.subjects[d]["displayName"] for d in transitive(pca["descriptor"]) if d in demo.entitlements}
    assert humans == {"Alice Admin", "Bob Ops", "Grace Guest", "Dana Old", "Eve Direct"}
    direct_users = {demo.subjects[d]["displayName"] for d in demo.memberships_down[pca["descriptor"]]
                    if demo.subjects[d]["subjectKind"] == "user"}
    assert direct_users == {"Eve Direct"}
    payments_admins = demo.group_named("[Payments]\\Project Administrators")
    assert payments_admins is not None and len(demo.memberships_down[payments_admins["descriptor"]]) == 1


def test_entra_service_principal_is_in_the_organization(demo: OrgState) -> None:
    sp = demo.service_principal
    assert sp["descriptor"].startswith("aadsp.")
    assert demo.subjects[sp["descriptor"]]["applicationId"] == sp["applicationId"] == demo.entra_sp["client_id"]
    assert demo.pat_owner["uniqueName"] == "alice@contoso.com"


def test_demo_is_json_serialisable(demo: OrgState) -> None:
    for collection in (demo.projects, demo.repositories, demo.service_endpoints, demo.extensions, demo.audit_log):
        json.dumps(collection)


@pytest.mark.parametrize("preset", ["demo", "medium"])
def test_team_members_are_unique_per_team(preset: str, demo: OrgState, medium: OrgState) -> None:
    state = demo if preset == "demo" else medium
    for team_id, members in state.team_members.items():
        ids = [m["identity"]["id"] for m in members]
        assert len(ids) == len(set(ids)), f"team {team_id} lists a member twice"


def test_admin_who_also_contributes_is_in_the_team_once_as_admin(demo: OrgState) -> None:
    data = next(p for p in demo.projects if p["name"] == "Data Platform")
    members = {m["identity"]["uniqueName"].split("@")[0]: m["isTeamAdmin"]
               for m in demo.team_members[data["_defaultTeam"]]}
    assert len(members) == len(demo.team_members[data["_defaultTeam"]])
    assert members.get("henry") is True  # an admin and a contributor of the project
