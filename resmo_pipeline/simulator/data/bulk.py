"""The medium and large presets: organizations of realistic size, generated in bulk."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.constants import (
    AGILE_TEMPLATE,
    AUTHOR_EMAIL_POLICY_TYPE,
    BASIC_TEMPLATE,
    COMMENTS_POLICY_TYPE,
    FIRST_NAMES,
    LAST_NAMES,
    MERGE_STRATEGY_POLICY_TYPE,
    ORG_POLICY_DESCRIPTIONS,
    PROD_PIPELINE_SETTINGS_SECURE,
    PROJECT_WORDS,
    REPO_WORDS,
    SCRUM_TEMPLATE,
    WORK_ITEM_LINKING_POLICY_TYPE,
)
from resmo_pipeline.simulator.data.seeding import seed_audit, stream, var

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder


PRESET_SIZES: dict[str, dict[str, int]] = {
    "medium": {"projects": 50, "repos": 500, "users": 5000, "memberships": 4000, "build_definitions": 500,
               "service_connections": 250, "variable_groups": 150, "guests_per_mille": 40, "audit": 1500},
    "large": {"projects": 300, "repos": 3000, "users": 30000, "memberships": 20000, "build_definitions": 3000,
              "service_connections": 1500, "variable_groups": 1000, "guests_per_mille": 40, "audit": 5000},
}


def populate_bulk(b: Builder, sizes: dict[str, int]) -> None:
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
                                        variables={"configuration": var("Release"),
                                                   "token": var(None, secret=True)}, fork=fork,
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
    s.audit_streams = [stream(b, 1, "siem", "Splunk", "enabled", {"SplunkUrl": "https://splunk.example:8088"})]
    seed_audit(b, projects, people[:50], sp, count=sizes["audit"])
    _harden_a_share(b, projects, definitions)


#: Build namespace bits: ViewBuilds 1, QueueBuilds 128, ViewBuildDefinition 1024 (no EditBuildDefinition 2048).
VIEW_AND_QUEUE = 1 | 128 | 1024


def _harden_a_share(b: Builder, projects: list[dict[str, Any]], definitions: list[dict[str, Any]]) -> None:
    """What a security team has already fixed in part of a real organization, so that a rule flagging every
    object of a type on generated data points at the rule: some projects keep Contributors from editing
    pipelines, some pipelines, repositories and library resources have their own non-inheriting permissions, some
    projects publish pipeline metadata and validate commit authors, some repositories require resolved comments,
    linked work items and a merge strategy. Drawn from a random source of its own: every other object stays as
    it was."""
    from resmo_pipeline.simulator.data import roles

    s = b.s
    rng = random.Random(f"hardening:{s.organization.lower()}:{s.seed}")
    for project in projects:
        pid, groups = project["id"], b.project_groups[project["id"]]
        if rng.random() < 0.3:
            b.add_aces("Build", pid, [(groups["contributors"], VIEW_AND_QUEUE, 0)])
        if rng.random() < 0.5:
            s.pipeline_settings[pid]["publishPipelineMetadata"] = True
        if rng.random() < 0.3:
            b.policy(project, AUTHOR_EMAIL_POLICY_TYPE,
                     {"authorEmailPatterns": [f"*@{s.organization}.com"], "scope": [{"repositoryId": None}]})
    for definition in definitions:
        if rng.random() < 0.2:
            pid = definition["project"]["id"]
            folder = definition["path"].strip("\\").replace("\\", "/")
            token = f"{pid}/{folder}/{definition['id']}" if folder else f"{pid}/{definition['id']}"
            groups = b.project_groups[pid]
            b.acl("Build", token, [(groups["admins"], 32767, 0), (groups["contributors"], VIEW_AND_QUEUE, 0)],
                  inherit=False)
    for repo in s.repositories:
        if repo.get("isDisabled"):
            continue
        project, groups = repo["project"], b.project_groups[repo["project"]["id"]]
        if rng.random() < 0.15:
            b.acl("Git Repositories", f"repoV2/{project['id']}/{repo['id']}",
                  [(groups["admins"], 65535, 0), (groups["contributors"], 16502, 0)], inherit=False)
        if rng.random() < 0.4:
            full = next(p for p in projects if p["id"] == project["id"])
            b.policy(full, COMMENTS_POLICY_TYPE, {"scope": [b._scope(repo)]})
            b.policy(full, WORK_ITEM_LINKING_POLICY_TYPE, {"scope": [b._scope(repo)]})
            b.policy(full, MERGE_STRATEGY_POLICY_TYPE, {"allowSquash": True, "allowNoFastForward": False,
                                                       "allowRebase": True, "allowRebaseMerge": False,
                                                       "scope": [b._scope(repo)]})
    for endpoint in s.service_endpoints:
        if rng.random() < 0.15:
            pid = endpoint["serviceEndpointProjectReferences"][0]["projectReference"]["id"]
            resource = f"{pid}_{endpoint['id']}"
            roles.assign(b, roles.ENDPOINT, resource, b.project_groups[pid]["admins"], "Administrator")
            s.role_inheritance_off.add((roles.ENDPOINT, resource.lower()))
    for group in s.variable_groups:
        if rng.random() < 0.15:
            pid = group["variableGroupProjectReferences"][0]["projectReference"]["id"]
            resource = f"{pid}${group['id']}"
            roles.assign(b, roles.VARIABLE_GROUP, resource, b.project_groups[pid]["admins"], "Administrator")
            s.role_inheritance_off.add((roles.VARIABLE_GROUP, resource.lower()))
