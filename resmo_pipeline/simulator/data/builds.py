"""Simulated pipeline runs (builds), the YAML files of YAML pipelines, task groups and environment deployment
records.

Uses its own random source (seeded from the organization and seed), so adding this area does not shift the
data the other areas draw. Bulk presets get two runs per definition and one shared YAML text per template, so
the large preset (about 3,000 definitions) stays cheap to build.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.constants import iso

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder
    from resmo_pipeline.simulator.data.state import OrgState

#: The service identity that queues CI, schedule and pull-request runs.
TFS_SERVICE = {
    "displayName": "Microsoft.VisualStudio.Services.TFS",
    "id": "00000002-0000-8888-8000-000000000000",
    "uniqueName": "00000002-0000-8888-8000-000000000000@2c895908-04e0-4952-89fd-54b0046d6288",
    "descriptor": "s2s.MDAwMDAwMDItMDAwMC04ODg4LTgwMDAtMDAwMDAwMDAwMDAwQDJjODk1OTA4LTA0ZTAtNDk1Mi04OWZk"
                  "LTU0YjAwNDZkNjI4OA",
}

DEFAULT_YAML = """trigger:
- main

pool:
  vmImage: ubuntu-latest

steps:
- script: make test
  displayName: Test
"""

#: The demo's interesting pipeline: the job token stays in .git/config for later steps, a branch name
#: (attacker-controlled for pull requests) goes straight into a shell command, and it deploys to the
#: production environment without extending the template that environment's Required template check names.
WEB_CI_YAML = """trigger:
- main

pr:
- main

pool: self-hosted-linux

stages:
- stage: build
  jobs:
  - job: build
    steps:
    - checkout: self
      persistCredentials: true
    - script: |
        echo "Building $(Build.SourceBranchName)"
        ./build.sh --branch $(Build.SourceBranchName)
      displayName: Build
- stage: deploy
  dependsOn: build
  jobs:
  - deployment: deploy_web
    environment: production
    strategy:
      runOnce:
        deploy:
          steps:
          - task: AzureWebApp@1
            inputs:
              azureSubscription: prod-azure-wif
              appName: contoso-web-prod
"""

#: The well-behaved counterpart: extends the required template from a tag of shared-templates, digest-pinned
#: container, no persisted credentials, branch name passed through the environment.
WEB_LEGACY_YAML = """trigger:
- master

resources:
  repositories:
  - repository: templates
    type: git
    name: shared-templates
    ref: refs/tags/v2.1.0
  containers:
  - container: node
    image: node:20-bookworm@sha256:9b9e5a7d3c1a0f4e2b6d8c7a5e3f1b0d9c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a

extends:
  template: templates/deploy.yml@templates
  parameters:
    environment: production
    serviceConnection: prod-azure-wif
    buildSteps:
    - checkout: self
    - script: npm ci && npm run build
      target: node
      env:
        BRANCH: $(Build.SourceBranchName)
      displayName: Build $(Build.BuildNumber)
"""

#: Templates from a branch of another repository, a tag-only SDK image and a commit message in a script.
PAYMENTS_YAML = """trigger:
- main

resources:
  repositories:
  - repository: infra
    type: git
    name: Payments/payments-infra
    ref: refs/heads/main
  containers:
  - container: sdk
    image: mcr.microsoft.com/dotnet/sdk:8.0

stages:
- stage: build
  jobs:
  - job: build
    container: sdk
    steps:
    - template: pipelines/build-steps.yml@infra
      parameters:
        configuration: Release
    - task: AzureCLI@2
      displayName: Tag release
      inputs:
        azureSubscription: payments-azure-wif
        scriptType: bash
        scriptLocation: inlineScript
        inlineScript: |
          az tag update --operation merge --tags "ref=${{ variables['Build.SourceBranch'] }}"
- stage: deploy
  jobs:
  - deployment: deploy
    environment: payments-prod
    strategy:
      runOnce:
        deploy:
          steps:
          - script: ./deploy.sh
"""

#: Infrastructure pipeline doing it right: templates from a pinned commit, branch name through env.
PAYMENTS_INFRA_YAML = """trigger:
- main

resources:
  repositories:
  - repository: tools
    type: git
    name: Payments/payments-api
    ref: 3f9c2a7e5b1d4c8a9e0f6b2d7c4a1e8f5b3d9c0a

pool:
  vmImage: ubuntu-latest

steps:
- checkout: self
- checkout: tools
- template: ci/lint.yml@tools
- bash: terraform plan -var "branch=$BRANCH"
  env:
    BRANCH: $(Build.SourceBranchName)
  displayName: Plan
"""

#: Data pipeline: digest-pinned job container, inline Bash@3 script with build metadata only.
DATA_YAML = """trigger:
- main

stages:
- stage: build
  jobs:
  - job: build
    container: python:3.12-slim@sha256:4c2f8e1a9b7d6c5e3f0a2b4d6e8c0a1b3d5f7e9c2a4b6d8f0e1c3a5b7d9f2e4c
    steps:
    - checkout: self
      persistCredentials: false
    - task: Bash@3
      inputs:
        targetType: inline
        script: echo "Build $(Build.BuildNumber)" && pytest
- stage: deploy
  jobs:
  - deployment: deploy
    environment: production-data
    strategy:
      runOnce:
        deploy:
          steps:
          - script: ./deploy.sh
"""

#: Bulk presets: YAML texts, mostly compliant; a definition's text is chosen from its id (no random draws,
#: so the other builds data stays as it was). Every twentieth one has a finding of each YAML rule.
BULK_YAML: tuple[str, ...] = (DEFAULT_YAML, DEFAULT_YAML, DATA_YAML, DEFAULT_YAML, PAYMENTS_INFRA_YAML,
                              DEFAULT_YAML, DATA_YAML, DEFAULT_YAML, DEFAULT_YAML, DEFAULT_YAML,
                              DEFAULT_YAML, DATA_YAML, DEFAULT_YAML, DEFAULT_YAML, PAYMENTS_INFRA_YAML,
                              DEFAULT_YAML, DEFAULT_YAML, DATA_YAML, DEFAULT_YAML, PAYMENTS_YAML)


def populate_builds(b: Builder, sizes: dict[str, int] | None) -> None:
    """Runs, YAML files, task groups and deployment records for every preset."""
    s = b.s
    rng = random.Random(f"builds:{s.preset}:{s.organization.lower()}:{s.seed}")
    for project in s.projects:
        s.build_runs.setdefault(project["id"], [])
        s.task_groups.setdefault(project["id"], [])
    if sizes is None:
        _demo(b, rng)
    else:
        _bulk(b, rng)


def _people(b: Builder) -> list[str]:
    return b.people or [b.s.owner["descriptor"]]


def _demo(b: Builder, rng: random.Random) -> None:
    s = b.s
    definitions = {d["name"]: d for defs in s.build_definitions.values() for d in defs}
    people = _people(b)
    contents = {"web-ci": WEB_CI_YAML, "web-legacy-ci": WEB_LEGACY_YAML, "payments-ci": PAYMENTS_YAML,
                "payments-infra-ci": PAYMENTS_INFRA_YAML, "data-pipelines-ci": DATA_YAML}
    for definition in (d for defs in s.build_definitions.values() for d in defs):
        if definition["process"]["type"] != 2:
            continue
        name = definition["name"]
        if name == "shared-templates-validate":
            continue  # its YAML file is missing from the repository: the reader gets 404
        add_yaml_file(s, rng, definition, contents.get(name, DEFAULT_YAML), denied=name == "oss-cli-ci")
    for definition in (d for defs in s.build_definitions.values() for d in defs):
        for days, reason in ((12, "individualCI"), (5, "schedule"), (2, "manual")):
            add_run(s, rng, definition, reason, people, finished=s.now - timedelta(days=days, hours=rng.random()))
    web_ci = definitions.get("web-ci")
    if web_ci is not None:
        add_run(s, rng, web_ci, "pullRequest", people, finished=s.now - timedelta(hours=20), pull_request=42)
        add_run(s, rng, web_ci, "batchedCI", people, finished=s.now - timedelta(days=45))  # outside the window
        add_run(s, rng, web_ci, "individualCI", people, finished=None)  # still running
    for pid, environments in s.environments.items():
        runs = [r for r in s.build_runs.get(pid, []) if r["status"] == "completed"]
        for environment in environments:
            for run in runs[:2]:
                add_deployment(s, environment, run)
    for project in s.projects[:2]:
        add_task_group(s, rng, project, "Deploy web app", "Deploy", people[0])
        add_task_group(s, rng, project, "Publish artifacts", "Utility", people[-1])


def _bulk(b: Builder, rng: random.Random) -> None:
    s = b.s
    people = _people(b)
    for definitions in s.build_definitions.values():
        for definition in definitions:
            if definition["process"]["type"] == 2:
                add_yaml_file(s, rng, definition, BULK_YAML[int(definition["id"]) % len(BULK_YAML)])
            for _ in range(2):
                reason = rng.choice(("individualCI", "individualCI", "pullRequest", "schedule", "manual"))
                add_run(s, rng, definition, reason, people,
                        finished=s.now - timedelta(days=rng.uniform(0.1, 40)),
                        pull_request=rng.randint(1, 5000) if reason == "pullRequest" else None)
    for pid, environments in s.environments.items():
        runs = s.build_runs.get(pid, [])[:2]
        for environment in environments:
            for run in runs:
                add_deployment(s, environment, run)
    for project in s.projects[::3]:
        add_task_group(s, rng, project, "Deploy", "Deploy", rng.choice(people))


def _hex(rng: random.Random, bits: int = 160) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def add_yaml_file(state: OrgState, rng: random.Random, definition: dict[str, Any], content: str, *,
                  denied: bool = False) -> dict[str, Any]:
    """The YAML file of a definition in its repository (`denied`: the reader lacks Git Read on it)."""
    repo_id = definition["repository"]["id"]
    path = definition["process"]["yamlFilename"]
    refs = state.refs.get(repo_id, [])
    repo = state.repository(repo_id)
    default = (repo or {}).get("defaultBranch")
    commit = next((r["objectId"] for r in refs if r["name"] == default), None) or _hex(rng)
    entry = {"path": path, "content": content, "objectId": _hex(rng), "commitId": commit, "_denied": denied}
    state.pipeline_files[(repo_id, path.lower())] = entry
    return entry


def add_run(state: OrgState, rng: random.Random, definition: dict[str, Any], reason: str, people: list[str], *,
            finished: datetime | None, pull_request: int | None = None) -> dict[str, Any]:
    """One run of a definition; `finished` None = still running."""
    project = definition["project"]
    run_id = state.next_id("build")
    person = state.identity_ref(rng.choice(people))
    service = reason in ("individualCI", "batchedCI", "schedule", "pullRequest")
    end = finished or state.now
    queued = end - timedelta(minutes=rng.uniform(2, 30))
    started = queued + timedelta(seconds=rng.uniform(5, 60))
    branch = (f"refs/pull/{pull_request}/merge" if pull_request
              else definition["repository"].get("defaultBranch") or "refs/heads/main")
    url = f"{state.base}/{project['id']}/_apis/build/Builds/{run_id}"
    run: dict[str, Any] = {
        "_links": {"self": {"href": url},
                   "web": {"href": f"{state.base}/{project['id']}/_build/results?buildId={run_id}"}},
        "properties": {},
        "tags": [],
        "validationResults": [],
        "plans": [{"planId": _guid(rng)}],
        "templateParameters": {},
        "triggerInfo": ({"pr.number": str(pull_request), "pr.sourceBranch": "refs/heads/feature/change",
                         "pr.targetBranch": "refs/heads/main", "pr.isFork": "False"} if pull_request else {}),
        "id": run_id,
        "buildNumber": f"{queued:%Y%m%d}.{run_id}",
        "status": "completed" if finished else "inProgress",
        "result": rng.choice(("succeeded", "succeeded", "succeeded", "failed", "canceled")) if finished else None,
        "queueTime": iso(queued),
        "startTime": iso(started),
        "finishTime": iso(finished) if finished else None,
        "url": url,
        "definition": {k: definition[k] for k in ("drafts", "id", "name", "url", "uri", "path", "type",
                                                  "queueStatus", "revision")} | {"project": definition["project"]},
        "buildNumberRevision": 1,
        "project": definition["project"],
        "uri": f"vstfs:///Build/Build/{run_id}",
        "sourceBranch": branch,
        "sourceVersion": _hex(rng),
        "queue": {"id": definition["queue"]["id"], "name": definition["queue"]["name"],
                  "pool": definition["queue"]["pool"]},
        "priority": "normal",
        "reason": reason,
        "requestedFor": person,
        "requestedBy": dict(TFS_SERVICE) if service else person,
        "lastChangedDate": iso(finished or started),
        "lastChangedBy": dict(TFS_SERVICE),
        "orchestrationPlan": {"planId": _guid(rng)},
        "logs": {"id": 0, "type": "Container", "url": f"{url}/logs"},
        "repository": {"id": definition["repository"]["id"], "type": definition["repository"]["type"],
                       "name": definition["repository"]["name"], "url": definition["repository"]["url"],
                       "clean": None, "checkoutSubmodules": False},
        "retainedByRelease": False,
        "triggeredByBuild": None,
        "appendCommitMessageToRunName": True,
        "keepForever": False,
    }
    if finished is None:
        run.pop("finishTime")
        run.pop("result")
    state.build_runs.setdefault(project["id"], []).append(run)
    return run


def finish_run(state: OrgState, run: dict[str, Any], when: datetime, result: str = "succeeded") -> None:
    """A running run completes now."""
    run.update(status="completed", result=result, finishTime=iso(when), lastChangedDate=iso(when))


def add_deployment(state: OrgState, environment: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """The deployment record a run's deployment job leaves on an environment."""
    record_id = state.next_id("environment_deployment")
    project_id = environment["project"]["id"]
    record = {
        "id": record_id,
        "requestIdentifier": f"{run['id']}-{record_id}",
        "environmentId": environment["id"],
        "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
        "scopeId": project_id,
        "resourceId": None,
        "planType": "Build",
        "planId": run["orchestrationPlan"]["planId"],
        "stageName": "deploy",
        "jobName": "deploy",
        "stageAttempt": 1,
        "jobAttempt": 1,
        "definition": {"_links": {"web": {"href": f"{state.base}/{project_id}/_build/definition?definitionId="
                                                  f"{run['definition']['id']}"}},
                       "id": run["definition"]["id"], "name": run["definition"]["name"]},
        "owner": {"_links": {"web": {"href": run["_links"]["web"]["href"]}}, "id": run["id"],
                  "name": run["buildNumber"]},
        "result": run.get("result") or "succeeded",
        "queueTime": run["queueTime"],
        "startTime": run["startTime"],
        "finishTime": run.get("finishTime") or run["startTime"],
    }
    state.environment_deployment_records.setdefault(int(environment["id"]), []).append(record)
    return record


def add_task_group(state: OrgState, rng: random.Random, project: dict[str, Any], name: str, category: str,
                   author: str) -> dict[str, Any]:
    """A task group with two steps and one input."""
    who = state.identity_ref(author)
    created = state.now - timedelta(days=rng.uniform(30, 400))
    group = {
        "tasks": [
            {"environment": {}, "displayName": "Download artifacts", "alwaysRun": False, "continueOnError": False,
             "condition": "succeeded()", "enabled": True, "timeoutInMinutes": 0, "retryCountOnTaskFailure": 0,
             "inputs": {"buildType": "current", "downloadPath": "$(System.ArtifactsDirectory)"},
             "task": {"id": "a433f589-fce1-4460-9ee6-44a624aeb1fb", "versionSpec": "0.*", "definitionType": "task"}},
            {"environment": {}, "displayName": "Run script", "alwaysRun": False, "continueOnError": False,
             "condition": "succeeded()", "enabled": True, "timeoutInMinutes": 0, "retryCountOnTaskFailure": 0,
             "inputs": {"targetType": "inline", "script": "./deploy.sh $(target)"},
             "task": {"id": "d9bafed4-0b18-4f58-968d-86655b4d2ce9", "versionSpec": "2.*", "definitionType": "task"}},
        ],
        "owner": project["id"],
        "revision": rng.randint(1, 9),
        "createdBy": who,
        "createdOn": iso(created),
        "modifiedBy": who,
        "modifiedOn": iso(created + timedelta(days=rng.uniform(0, 25))),
        "comment": "",
        "deleted": False,
        "id": _guid(rng),
        "name": name,
        "version": {"major": 1, "minor": 0, "patch": 0, "isTest": False},
        "iconUrl": "https://cdn.vsassets.io/v/M190_20210811.1/_content/icon-meta-task.png",
        "friendlyName": name,
        "description": f"{name} ({project['name']})",
        "category": category,
        "definitionType": "metaTask",
        "author": who["displayName"],
        "demands": [],
        "groups": [],
        "inputs": [{"aliases": [], "options": {}, "properties": {}, "name": "target", "label": "target",
                    "defaultValue": "", "required": True, "type": "string", "helpMarkDown": "", "groupName": ""}],
        "satisfies": [],
        "sourceDefinitions": [],
        "dataSourceBindings": [],
        "instanceNameFormat": f"Task group: {name} $(target)",
        "preJobExecution": {},
        "execution": {},
        "postJobExecution": {},
    }
    state.task_groups.setdefault(project["id"], []).append(group)
    return group


def _guid(rng: random.Random) -> str:
    h = _hex(rng, 128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"
