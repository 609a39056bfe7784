"""Demo examples of the rules on build and release definitions, task groups, pipeline runs and pipeline settings."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.builds import add_run, add_task_group, add_yaml_file
from resmo_pipeline.simulator.data.constants import NAMESPACE_IDS, iso
from resmo_pipeline.simulator.data.demo_rules.lookup import named
from resmo_pipeline.simulator.data.roles import VARIABLE_GROUP, assign
from resmo_pipeline.simulator.data.seeding import var

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

# Build namespace bits (security_namespaces): ViewBuilds 1, QueueBuilds 128, ViewBuildDefinition 1024,
# EditBuildDefinition 2048; 32767 = everything.
BUILD_VIEW_AND_QUEUE = 1 | 128 | 1024
# ReleaseManagement bits: ViewReleaseDefinition 1, EditReleaseDefinition 2, DeleteReleaseDefinition 4,
# ManageReleases 16, ViewReleases 32, CreateReleases 64, ManageDeployments 2048; 8191 = everything.
RELEASE_VIEW_AND_CREATE = 1 | 32 | 64
RELEASE_CONTRIBUTOR_EDIT = 1 | 2 | 4 | 16 | 32 | 64 | 2048
# MetaTask bits: Administer 1, Edit 2, Delete 4.
TASK_GROUP_EDIT = 2 | 4

SAST_YAML = """trigger:
- main

pool:
  vmImage: ubuntu-latest

steps:
- checkout: self
- task: MicrosoftSecurityDevOps@1
  displayName: Microsoft Security DevOps
- script: dotnet test
  displayName: Test
"""

EXAMPLES: dict[str, dict[str, Any]] = {
    "build.inactive": {
        "resource_type": "build_definitions",
        "violating": ["web-docs-ci"],
        "compliant": ["web-ci"],
        "note": "web-docs-ci (created 400 days ago) last ran 300 days ago: its latestBuild says so, the run is "
                "older than the runs the inventory reads; web-ci's latestBuild is a day old. Definitions without "
                "latestBuild are not judged: the collected run history is shorter than 180 days.",
    },
    "build.inherited_permissions": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "web-legacy-ci", "shared-templates-validate", "web-docs-ci", "payments-ci",
                      "payments-infra-ci", "payments-sast-ci", "legacy-nightly", "oss-cli-ci", "oss-docs-ci"],
        "compliant": ["data-pipelines-ci"],
        "note": "Only data-pipelines-ci has its own Build ACL with inheritPermissions false; payments-ci has an "
                "own ACL that still inherits; every other definition has no ACL of its own.",
    },
    "build.broad_group_access": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "web-legacy-ci", "shared-templates-validate", "web-docs-ci", "payments-ci",
                      "payments-infra-ci", "payments-sast-ci"],
        "compliant": ["data-pipelines-ci", "legacy-nightly", "oss-cli-ci", "oss-docs-ci"],
        "note": "Contributors have Edit build pipeline at the Contoso Web and Payments project level (pipelines "
                "there that inherit); Data Platform and Open Source Tools limit Contributors to viewing and "
                "queueing at the project level. Pipelines with their own non-inheriting ACL (data-pipelines-ci, "
                "the yaml_files pipelines) are not flagged.",
    },
    "pipeline.project_broad_group_access": {
        "resource_type": "projects",
        "violating": ["Contoso Web", "Payments", "Data Platform"],
        "compliant": ["Open Source Tools"],
        "note": "Contoso Web: Contributors may edit build and release pipelines; Payments: Contributors may edit "
                "build pipelines; Data Platform: Project Valid Users may manage releases. Open Source Tools "
                "limits Contributors to view and queue builds and has no ReleaseManagement entries.",
    },
    "release.inherited_permissions": {
        "resource_type": "release_definitions",
        "violating": ["payments-release", "data-release"],
        "compliant": ["web-release"],
        "note": "web-release has its own ReleaseManagement ACL with inheritPermissions false.",
    },
    "release.broad_group_access": {
        "resource_type": "release_definitions",
        "violating": ["data-release"],
        "compliant": ["web-release", "payments-release"],
        "note": "data-release inherits Data Platform's entry letting Project Valid Users manage releases; "
                "web-release does not inherit Contoso Web's broad Contributors entry; Payments' Contributors may "
                "only view and create releases.",
    },
    "taskgroup.broadly_editable": {
        "resource_type": "build_definitions, release_definitions",
        "violating": ["legacy-nightly", "payments-release"],
        "compliant": ["web-release"],
        "note": "legacy-nightly runs task group Nightly ETL steps and payments-release (stage QA) Deploy web app "
                "(Payments), both editable by Contributors through the project's MetaTask ACL; web-release (stage "
                "Dev) runs Deploy web app (Contoso Web), whose own ACL does not inherit and does not let "
                "Contributors edit.",
    },
    "pipeline.broadly_editable_variable_group": {
        "resource_type": "build_definitions, release_definitions",
        "violating": ["legacy-nightly", "data-release"],
        "compliant": ["payments-ci", "web-release"],
        "note": "Both link build-config, on which [Data Platform]\\Contributors are Administrator; payments-ci "
                "links payments-prod-kv and web-release shared-settings (Contributors inherit Creator only).",
    },
    "pipeline.queue_time_variables": {
        "resource_type": "build_definitions, release_definitions",
        "violating": ["web-ci", "web-release", "payments-release"],
        "compliant": ["payments-ci", "data-release", "legacy-nightly"],
        "note": "Settable at queue/release time: web-ci deployUrl, web-release slotName, payments-release stage "
                "QA qaSlot.",
    },
    "build.external_sources": {
        "resource_type": "build_definitions",
        "violating": ["web-docs-ci", "oss-docs-ci"],
        "compliant": ["web-ci", "oss-cli-ci"],
        "note": "web-docs-ci and oss-docs-ci build GitHub repositories; the others Azure Repos Git.",
    },
    "build.ci_on_external_sources": {
        "resource_type": "build_definitions",
        "violating": ["web-docs-ci"],
        "compliant": ["oss-docs-ci", "web-ci"],
        "note": "web-docs-ci has a CI and a schedule trigger on a GitHub repository; oss-docs-ci only a pull "
                "request trigger; web-ci builds Azure Repos.",
    },
    "build.fork_public_repo": {
        "resource_type": "build_definitions",
        "violating": ["web-docs-ci"],
        "compliant": ["oss-docs-ci", "web-ci"],
        "note": "web-docs-ci (private project Contoso Web) builds forks of the public GitHub repository "
                "contoso/web-docs; oss-docs-ci is in the public project; web-ci builds an Azure Repos "
                "repository.",
    },
    "release.external_sources": {
        "resource_type": "release_definitions",
        "violating": ["data-release"],
        "compliant": ["payments-release", "web-release"],
        "note": "data-release also takes a GitHub artifact (contoso/data-notebooks); the others only Build "
                "artifacts.",
    },
    "release.branch_hygiene": {
        "resource_type": "release_definitions",
        "violating": ["payments-release", "data-release"],
        "compliant": ["web-release"],
        "note": "payments-release's Production and data-release's Pre-Prod stage have no artifact filter; "
                "web-release's Prod stage has an artifact filter on main for _web-ci.",
    },
    "build.oauth_token_access": {
        "resource_type": "build_definitions",
        "violating": ["legacy-nightly", "web-pr-bot"],
        "compliant": ["web-ci", "data-pipelines-ci"],
        "note": "legacy-nightly's agent job has allowScriptsAuthAccessOption true; web-pr-bot's YAML maps "
                "SYSTEM_ACCESSTOKEN: $(System.AccessToken) into a step.",
    },
    "release.oauth_token_access": {
        "resource_type": "release_definitions",
        "violating": ["data-release"],
        "compliant": ["web-release", "payments-release"],
        "note": "data-release's Test agent job has enableAccessToken true.",
    },
    "build.yaml_ci_trigger": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "payments-infra-ci"],
        "compliant": ["payments-ci", "data-pipelines-ci", "web-legacy-ci"],
        "note": "web-ci's CI trigger comes from the YAML file (settingsSourceType 2); payments-infra-ci's "
                "override also builds refs/heads/feature/*.",
    },
    "build.default_branch_protected": {
        "resource_type": "build_definitions",
        "violating": ["shared-templates-validate", "oss-cli-ci"],
        "compliant": ["web-ci", "web-legacy-ci", "data-pipelines-ci", "payments-sast-ci"],
        "note": "shared-templates' reviewer policy is disabled and it has no build policy; oss-cli has no policy. "
                "GitHub definitions (web-docs-ci, oss-docs-ci) are not evaluated.",
    },
    "build.static_analysis": {
        "resource_type": "build_definitions",
        "violating": ["web-ci", "data-pipelines-ci", "data-backfill", "payments-api-image", "payments-deploy",
                      "payments-terraform", "web-deploy", "web-e2e-tests", "web-hotfix"],
        "compliant": ["payments-sast-ci"],
        "note": "payments-sast-ci runs MicrosoftSecurityDevOps@1. Pipelines using templates (web-legacy-ci, "
                "payments-ci, payments-infra-ci, ...) are not evaluated, nor those whose YAML could not be read "
                "(shared-templates-validate, oss-cli-ci).",
    },
    "runs.failing_definition": {
        "resource_type": "build_definitions",
        "violating": ["shared-templates-validate"],
        "compliant": ["oss-cli-ci", "payments-infra-ci", "web-ci"],
        "note": "shared-templates-validate's last two runs failed and its last success was 12 days ago; "
                "oss-cli-ci's last run failed but it succeeded 5 days ago.",
    },
    "runs.queue_time_overrides": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["payments-ci", "web-legacy-ci"],
        "note": "web-ci's manual run was queued with deployUrl overridden.",
    },
    "runs.manual_production_outsider": {
        "resource_type": "build_definitions",
        "violating": ["payments-ci", "data-pipelines-ci"],
        "compliant": ["web-ci"],
        "note": "payments-ci (deploys to payments-prod) was run manually by Quinn QA, who is only in Contoso Web "
                "groups; data-pipelines-ci (production-data) by Nina New, who is in no group. web-ci's manual runs "
                "are Carol Lead's, a Contoso Web project administrator.",
    },
    "taskgroup.unused": {
        "resource_type": "task_groups",
        "violating": ["Publish artifacts", "Publish artifacts"],
        "compliant": ["Deploy web app", "Nightly ETL steps"],
        "note": "Publish artifacts (Contoso Web and Payments) is referenced by no definition; Deploy web app is "
                "run by web-release and payments-release, Nightly ETL steps by legacy-nightly.",
    },
    "pipeline.implied_yaml_ci_trigger": {
        "resource_type": "pipeline_settings",
        "violating": ["Open Source Tools"],
        "compliant": ["Contoso Web", "Payments", "Data Platform"],
        "note": "Open Source Tools has disableImpliedYAMLCiTrigger false.",
    },
    "pipeline.status_badges_public": {
        "resource_type": "pipeline_settings",
        "violating": ["Contoso Web"],
        "compliant": ["Payments", "Data Platform", "Open Source Tools"],
    },
    "pipeline.shell_args_sanitizing": {
        "resource_type": "pipeline_settings",
        "violating": ["Data Platform"],
        "compliant": ["Contoso Web", "Payments", "Open Source Tools"],
        "note": "Data Platform has enableShellTasksArgsSanitizing and its audit mode off.",
    },
}


def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
    s = b.s
    rng = random.Random(f"demo-rules-pipelines:{s.organization.lower()}:{s.seed}")
    projects = {p["name"]: p for p in s.projects}
    web, pay, data, oss = (projects[n] for n in ("Contoso Web", "Payments", "Data Platform", "Open Source Tools"))
    builds = {d["name"]: d for defs in s.build_definitions.values() for d in defs}
    releases = {d["name"]: d for defs in s.release_definitions.values() for d in defs}
    groups = b.project_groups
    people = b.people or [s.owner["descriptor"]]

    # --- Build namespace: Data Platform and Open Source Tools restrict Contributors at the project level;
    # data-pipelines-ci has its own, non-inheriting ACL.
    for project in (data, oss):
        contributors = s.subjects[groups[project["id"]]["contributors"]]["_legacy"]
        for acl in s.acls[NAMESPACE_IDS["Build"]]:
            if acl["token"] == project["id"] and contributors in acl["acesDictionary"]:
                ace = acl["acesDictionary"][contributors]
                ace.update(allow=BUILD_VIEW_AND_QUEUE)
                ace["extendedInfo"].update(effectiveAllow=BUILD_VIEW_AND_QUEUE)
    pay_groups, data_groups = groups[pay["id"]], groups[data["id"]]
    b.acl("Build", f"{data['id']}/{builds['data-pipelines-ci']['id']}", [
        (data_groups["admins"], 32767, 0), (data_groups["build_admins"], 32767, 0),
        (data_groups["contributors"], BUILD_VIEW_AND_QUEUE, 0), (data_groups["readers"], 1025, 0),
    ], inherit=False)

    # --- ReleaseManagement namespace
    web_groups = groups[web["id"]]
    b.acl("ReleaseManagement", web["id"], [(web_groups["admins"], 8191, 0),
                                           (web_groups["contributors"], RELEASE_CONTRIBUTOR_EDIT, 0)])
    b.acl("ReleaseManagement", pay["id"], [(pay_groups["admins"], 8191, 0),
                                           (pay_groups["contributors"], RELEASE_VIEW_AND_CREATE, 0)])
    b.acl("ReleaseManagement", data["id"], [(data_groups["admins"], 8191, 0),
                                            (data_groups["contributors"], RELEASE_VIEW_AND_CREATE, 0),
                                            (data_groups["valid"], RELEASE_VIEW_AND_CREATE | 16, 0)])
    b.acl("ReleaseManagement", f"{web['id']}/{releases['web-release']['id']}", [
        (web_groups["admins"], 8191, 0), (web_groups["contributors"], RELEASE_VIEW_AND_CREATE, 0)], inherit=False)

    # --- GitHub definitions: web-docs-ci (private project, public repository, CI + schedule + fork builds, old)
    # and oss-docs-ci (public project, pull requests only, new).
    github = named(s.service_endpoints, "github-contoso")
    for project, name, created_days, ci in ((web, "web-docs-ci", 400, True), (oss, "oss-docs-ci", 30, False)):
        slug = f"contoso/{name.removesuffix('-ci')}"
        repo = {"id": slug, "name": slug, "remoteUrl": f"https://github.com/{slug}.git",
                "defaultBranch": "refs/heads/main"}
        definition = b.build_definition(project, name, repo, fork={"enabled": True})
        definition["repository"].update(type="GitHub", url=f"https://github.com/{slug}.git")
        definition["repository"]["properties"].update(connectedServiceId=github["id"], isPrivate="false",
                                                      IsPrivate="false", apiUrl=f"https://api.github.com/repos/{slug}")
        definition["createdDate"] = iso(s.now - timedelta(days=created_days))
        if ci:
            definition["triggers"].append({"schedules": [{"branchFilters": ["+refs/heads/main"], "timeZoneId": "UTC",
                                                          "startHours": 3, "startMinutes": 0, "daysToBuild": 31,
                                                          "scheduleOnlyWithChanges": True}],
                                           "triggerType": "schedule"})
        else:
            definition["triggers"] = [t for t in definition["triggers"] if t["triggerType"] != "continuousIntegration"]

    builds = {d["name"]: d for defs in s.build_definitions.values() for d in defs}

    # --- A YAML pipeline with a static-analysis step.
    pay_api = next(r for r in s.repositories if r["name"] == "payments-api")
    sast = b.build_definition(pay, "payments-sast-ci", pay_api)
    sast["process"]["yamlFilename"] = "/security.yml"
    sast["createdDate"] = iso(s.now - timedelta(days=30))
    add_yaml_file(s, rng, sast, SAST_YAML)

    # --- Triggers and variables
    builds["web-ci"]["triggers"][0]["settingsSourceType"] = 2
    builds["payments-infra-ci"]["triggers"][0]["branchFilters"].append("+refs/heads/feature/*")
    releases["web-release"]["variables"]["slotName"]["allowOverride"] = True

    # --- Classic job token, task groups and variable groups
    nightly = builds["legacy-nightly"]
    nightly["process"]["phases"][0]["target"]["allowScriptsAuthAccessOption"] = True
    etl = add_task_group(s, rng, data, "Nightly ETL steps", "Build", people[0])
    nightly["process"]["phases"][0]["steps"].append(_task_group_step(etl))
    task_groups = {(p, g["name"]): g for p, items in s.task_groups.items() for g in items}
    web_deploy, pay_deploy = task_groups[(web["id"], "Deploy web app")], task_groups[(pay["id"], "Deploy web app")]
    b.acl("MetaTask", data["id"], [(data_groups["admins"], 7, 0), (data_groups["contributors"], TASK_GROUP_EDIT, 0)])
    b.acl("MetaTask", pay["id"], [(pay_groups["admins"], 7, 0), (pay_groups["contributors"], TASK_GROUP_EDIT, 0)])
    b.acl("MetaTask", f"{web['id']}/{web_deploy['id']}", [(web_groups["admins"], 7, 0)], inherit=False)
    _stage(releases["web-release"], "Dev")["deployPhases"][0]["workflowTasks"].append(_workflow_task(web_deploy))
    _stage(releases["payments-release"], "QA")["deployPhases"][0]["workflowTasks"].append(_workflow_task(pay_deploy))
    variable_groups = {g["name"]: g for g in s.variable_groups}
    build_config = variable_groups["build-config"]
    assign(b, VARIABLE_GROUP, f"{data['id']}${build_config['id']}", data_groups["contributors"], "Administrator")
    nightly["variableGroups"].append(b._vg_ref(build_config["id"]))
    builds["payments-ci"]["variableGroups"].append(b._vg_ref(variable_groups["payments-prod-kv"]["id"]))
    releases["data-release"]["variableGroups"].append(build_config["id"])
    _stage(releases["web-release"], "Prod")["variableGroups"].append(variable_groups["shared-settings"]["id"])

    # --- Release artifacts, triggers, stage filters and job tokens
    releases["web-release"]["artifacts"] = [_artifact("Build", builds["web-ci"], "_web-ci")]
    _stage(releases["web-release"], "Prod")["conditions"].append(_artifact_filter("_web-ci", "main"))
    releases["payments-release"]["artifacts"] = [_artifact("Build", builds["payments-ci"], "_payments-ci")]
    releases["data-release"]["artifacts"] = [
        _artifact("Build", builds["data-pipelines-ci"], "_data-pipelines-ci"),
        _artifact("GitHub", {"id": "contoso/data-notebooks", "name": "contoso/data-notebooks"},
                  "_contoso_data-notebooks")]
    _stage(releases["data-release"], "Test")["deployPhases"][0]["deploymentInput"]["enableAccessToken"] = True

    # --- A manual run with a queue-time variable override
    web_runs = s.build_runs[web["id"]]
    manual = next(r for r in web_runs if r["definition"]["id"] == builds["web-ci"]["id"] and r["reason"] == "manual")
    manual["parameters"] = '{"deployUrl":"https://contoso-web-staging.azurewebsites.net"}'

    # --- A manual production run by Carol Lead, a Contoso Web project administrator; a stage variable settable
    # at release time.
    carol = next(d for d, subject in s.subjects.items() if subject.get("displayName") == "Carol Lead")
    insider = add_run(s, rng, builds["web-ci"], "manual", [carol], finished=s.now - timedelta(days=1, hours=3))
    insider["result"] = "succeeded"
    builds["web-ci"]["latestBuild"] = _build_reference(insider)
    for run in web_runs:  # every manual web-ci run is Carol's
        if run["definition"]["id"] == builds["web-ci"]["id"] and run["reason"] == "manual":
            run["requestedBy"] = run["requestedFor"] = s.identity_ref(carol)
    _stage(releases["payments-release"], "QA")["variables"]["qaSlot"] = var("qa-1", override=True)

    # --- web-docs-ci last ran 300 days ago (before the runs window the inventory reads; the definition's
    # latestBuild tells).
    old_run = add_run(s, rng, builds["web-docs-ci"], "individualCI", people, finished=s.now - timedelta(days=300))
    old_run["result"] = "succeeded"
    builds["web-docs-ci"]["latestBuild"] = _build_reference(old_run)

    # --- Project pipeline settings
    s.pipeline_settings[data["id"]].update(enableShellTasksArgsSanitizing=False,
                                           enableShellTasksArgsSanitizingAudit=False)
    s.pipeline_settings[oss["id"]]["disableImpliedYAMLCiTrigger"] = False


def _build_reference(run: dict[str, Any]) -> dict[str, Any]:
    """A definition's latestBuild: the run, as the definitions API returns it with includeLatestBuilds."""
    return {k: run[k] for k in ("id", "buildNumber", "status", "result", "queueTime", "startTime", "finishTime",
                                "url", "_links")}


def _stage(definition: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in definition["environments"] if e["name"] == name)


def _task_group_step(group: dict[str, Any]) -> dict[str, Any]:
    return {"environment": {}, "enabled": True, "continueOnError": False, "alwaysRun": False,
            "displayName": f"Task group: {group['name']}", "timeoutInMinutes": 0, "condition": "succeeded()",
            "task": {"id": group["id"], "versionSpec": "1.*", "definitionType": "metaTask"}, "inputs": {}}


def _workflow_task(group: dict[str, Any]) -> dict[str, Any]:
    return {"environment": {}, "taskId": group["id"], "version": "1.*", "name": f"Task group: {group['name']}",
            "refName": "", "enabled": True, "alwaysRun": False, "continueOnError": False, "timeoutInMinutes": 0,
            "retryCountOnTaskFailure": 0, "definitionType": "metaTask", "overrideInputs": {},
            "condition": "succeeded()", "inputs": {}}


def _artifact(kind: str, source: dict[str, Any], alias: str) -> dict[str, Any]:
    """A release artifact: a build definition's builds (kind Build) or an external source (e.g. GitHub)."""
    project = source.get("project")
    reference: dict[str, Any] = {"definition": {"id": str(source["id"]), "name": source["name"]},
                                 "defaultVersionType": {"id": "latestType", "name": "Latest"}}
    if project:
        reference["project"] = {"id": project["id"], "name": project["name"]}
    source_id = f"{project['id']}:{source['id']}" if project else str(source["id"])
    return {"sourceId": source_id, "type": kind, "alias": alias, "isPrimary": kind == "Build", "isRetained": False,
            "definitionReference": reference}


def _artifact_filter(alias: str, branch: str) -> dict[str, Any]:
    """A stage's artifact filter: only releases of that branch of the artifact deploy to the stage."""
    value = {"sourceBranch": branch, "tags": [], "useBuildDefinitionBranch": False,
             "createReleaseOnBuildTagging": False}
    return {"name": alias, "conditionType": "artifact", "value": json.dumps(value, separators=(",", ":"))}
