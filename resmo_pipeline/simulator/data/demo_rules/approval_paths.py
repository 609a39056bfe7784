"""Demo examples of the attack-path rules on approvals, releases, feeds, extensions and service hooks
(path.approve_*, path.release_*, path.feed_*, path.ext_*, path.hook_*).

`populate` adds what those paths need to the demo organization: the merge commit of the self-approved pull
request "Approve my own change" and the web-ci run that built and deployed it, a second self-approved pull
request nobody deployed, build artifacts and continuous-deployment triggers on web-release and payments-release,
the service connections their production stages deploy with, and npm steps in payments-infra-ci's YAML (install
from contoso-shared, publish to payments-internal). It uses its own random source
(swapped in for the builder's while it runs), so nothing drawn elsewhere shifts.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.builds import add_deployment, add_run
from resmo_pipeline.simulator.data.demo_rules.lookup import named_in_any_project, own_random, subject
from resmo_pipeline.simulator.data.reviews import APPROVED, NO_VOTE, pull_request

if TYPE_CHECKING:

    from resmo_pipeline.simulator.data.build import Builder

EXAMPLES: dict[str, dict[str, Any]] = {
    "path.approve_own_pr_deployed": {
        "resource_type": "pull_requests",
        "violating": ["Approve my own change"],
        "compliant": ["Hotfix: payment timeout", "Tune ledger logging"],
        "note": "Carol Lead approved her own pull request into contoso-web main, nobody else approved, and the "
                "web-ci run that built its merge commit deployed to production. Hotfix: payment timeout: the "
                "author did not approve it (step 2 missing); Tune ledger logging (payments-api, Karl Dev) is "
                "self-approved and completed but no run built its merge commit (step 3 missing).",
    },
    "path.approve_creator_vote_counts": {
        "resource_type": "repositories",
        "violating": ["payments-infra"],
        "compliant": ["payments-api", "contoso-web"],
        "note": "payments-infra's policy on main (minimum 2) counts the creator's vote; payments-infra-ci builds "
                "main on every push and deployed to payments-prod. payments-api and contoso-web do not count the "
                "creator's vote (step 1 missing) although payments-ci and web-ci deploy from them.",
    },
    "path.approve_env_requester": {
        "resource_type": "environments",
        "violating": ["production-data"],
        "compliant": ["production", "prod-eu"],
        "note": "production-data's Approval check (approver Henry Data, one approval) has "
                "requesterCannotBeApprover false; data-pipelines-ci deploys to it and Henry Data is in "
                "[Data Platform]\\Contributors. production and prod-eu forbid the requester to approve (step 1 "
                "missing) although web-ci deploys to both.",
    },
    "path.release_creator_approves": {
        "resource_type": "release_definitions",
        "violating": ["data-release"],
        "compliant": ["web-release", "payments-release"],
        "note": "data-release stage Pre-Prod: approver Henry Data (a Data Platform contributor and administrator), "
                "releaseCreatorCanBeApprover true. web-release stage Prod has approvers who can create releases "
                "but does not let the creator approve (step 1 missing); payments-release has no manual approval.",
    },
    "path.release_cd_unreviewed": {
        "resource_type": "release_definitions",
        "violating": ["payments-release"],
        "compliant": ["web-release", "data-release"],
        "note": "payments-release releases payments-ci builds of any branch (trigger without a branch condition) "
                "and its stages QA and Production are automated. web-release only takes builds of main, which "
                "needs two independent reviewers, and its Prod stage has approvers (steps 1 and 3 missing); "
                "data-release has no continuous-deployment trigger (step 1 missing).",
    },
    "path.release_open_connection": {
        "resource_type": "release_definitions",
        "violating": ["web-release"],
        "compliant": ["payments-release", "data-release"],
        "note": "web-release stage Prod deploys with legacy-azure-secret, which is open to all pipelines of "
                "Contoso Web. payments-release stage Production deploys with payments-azure-wif, authorized for "
                "payments-ci only (step 2 missing); data-release's stages run no task naming a connection "
                "(step 1 missing).",
    },
    "path.ext_decorator_reach": {
        "resource_type": "extensions",
        "violating": ["Pipeline Injector"],
        "compliant": ["Microsoft Security DevOps", "Legacy Widgets"],
        "note": "Pipeline Injector (sketchy-tools, vso.code_write and vso.build_execute) contributes a pre-job "
                "decorator: it runs in every build pipeline, which together can use legacy-azure-secret, "
                "payments-azure-wif and prod-azure-wif. Microsoft Security DevOps is from an allow-listed "
                "publisher and Legacy Widgets (old-vendor) contributes no decorator (step 1 missing).",
    },
    "path.hook_external_credentials": {
        "resource_type": "service_hooks",
        "violating": ["webHooks git.push to build.contoso-legacy.example"],
        "compliant": ["webHooks git.pullrequest.created to siem.contoso.example",
                      "azureStorageQueue ms.vss-release.deployment-completed-event"],
        "note": "The Contoso Web git.push web hook sends pushes with basic auth over plain http to "
                "build.contoso-legacy.example; Contoso Web's administrators can edit it. The organization-wide "
                "git.pullrequest.created web hook (SIEM) sends no push or release event (step 1 missing); the "
                "Payments release storage-queue subscription has no external web host (step 2 missing).",
    },
    "path.feed_upstream_shadowing": {
        "resource_type": "feeds",
        "violating": ["contoso-shared"],
        "compliant": ["payments-internal", "web-packages"],
        "note": "contoso-shared proxies npmjs; payments-infra-ci publishes npm packages to payments-internal, "
                "which is not an upstream of contoso-shared, and installs npm packages from contoso-shared. "
                "payments-internal also proxies npmjs, but the packages published to it are protected by "
                "Policy.ArtifactsExternalPackageProtectionToken (step 2 missing) and nothing restores from it; "
                "web-packages has no public upstream (step 1 missing).",
    },
}

#: Azure App Service deploy task (AzureRmWebAppDeployment@4): its ConnectedServiceName input is a service
#: connection id.
APP_SERVICE_DEPLOY_TASK = "497d490f-eea7-4f2b-ab94-48d9c1acdcb1"











def _pull_request(b: Builder, title: str) -> dict[str, Any]:
    return next(pr for prs in b.s.pull_requests.values() for pr in prs if pr["title"] == title)


def _deploy(b: Builder, rng: random.Random, definition_name: str, environment_name: str, who: str, *,
            days: float, commit: str | None = None) -> dict[str, Any]:
    """A succeeded CI run of the definition on its default branch that deployed to the environment."""
    s = b.s
    run = add_run(s, rng, named_in_any_project(s.build_definitions, definition_name), "individualCI", [who],
                  finished=s.now - timedelta(days=days))
    run["result"] = "succeeded"
    if commit is not None:
        run["sourceVersion"] = commit
    add_deployment(s, named_in_any_project(s.environments, environment_name), run)
    return run


def populate(b: Builder) -> None:
    """Add the demo resources these examples name."""
    s = b.s
    if not b.people or not s.pull_requests:
        return
    with own_random(b, "approval_paths") as rng:
        # path.approve_own_pr_deployed: the self-approved pull request's merge commit, built and deployed.
        own = _pull_request(b, "Approve my own change")
        own["lastMergeCommit"] = {"commitId": b.sha(), "url": f"{own['repository']['url']}/commits"}
        _deploy(b, rng, "web-ci", "production", subject(b, "Carol Lead"), days=3.5,
                commit=own["lastMergeCommit"]["commitId"])
        karl = subject(b, "Karl Dev")
        payments_api = next(r for r in s.repositories if r["name"] == "payments-api")
        tuned = pull_request(b, payments_api, karl, status="completed", created_days=6, closed_days=5,
                             reviewers=[(karl, APPROVED, False), (subject(b, "Rita Release"), NO_VOTE, False)],
                             title="Tune ledger logging")
        tuned["lastMergeCommit"] = {"commitId": b.sha(), "url": f"{payments_api['url']}/commits"}
        _release_artifacts(b)
        _feed_steps(b)


#: Steps appended to payments-infra-ci's YAML (top-level steps): it installs its npm tooling from the
#: organization feed contoso-shared and publishes the internal npm package to payments-internal.
FEED_STEPS = """- task: Npm@1
  displayName: Install tooling
  inputs:
    command: ci
    customRegistry: useFeed
    customFeed: contoso-shared
- task: Npm@1
  displayName: Publish infra SDK
  inputs:
    command: publish
    publishRegistry: useFeed
    publishFeed: Payments/payments-internal
"""


def _feed_steps(b: Builder) -> None:
    """payments-infra-ci restores npm packages from contoso-shared and publishes to payments-internal."""
    s = b.s
    definition = named_in_any_project(s.build_definitions, "payments-infra-ci")
    entry = s.pipeline_files.get((definition["repository"]["id"], definition["process"]["yamlFilename"].lower()))
    if entry is not None and "\nsteps:\n" in entry["content"]:
        entry["content"] = entry["content"].rstrip("\n") + "\n" + FEED_STEPS


def _artifact(definition: dict[str, Any]) -> dict[str, Any]:
    project = definition["project"]
    return {
        "sourceId": f"{project['id']}:{definition['id']}",
        "type": "Build",
        "alias": f"_{definition['name']}",
        "isPrimary": True,
        "isRetained": False,
        "definitionReference": {
            "definition": {"id": str(definition["id"]), "name": definition["name"]},
            "project": {"id": project["id"], "name": project["name"]},
            "defaultVersionType": {"id": "latestType", "name": "Latest"},
        },
    }


def _deploy_task(endpoint: dict[str, Any], app: str) -> dict[str, Any]:
    return {"environment": {}, "taskId": APP_SERVICE_DEPLOY_TASK, "version": "4.*", "name": "Deploy Azure App Service",
            "refName": "", "enabled": True, "alwaysRun": False, "continueOnError": False, "timeoutInMinutes": 0,
            "retryCountOnTaskFailure": 0, "definitionType": "task", "overrideInputs": {},
            "condition": "succeeded()",
            "inputs": {"ConnectionType": "AzureRM", "ConnectedServiceName": endpoint["id"], "WebAppName": app}}


def _release_artifacts(b: Builder) -> None:
    """payments-release: continuous deployment of payments-ci builds of any branch; web-release and
    payments-release: the service connection their production stage deploys with."""
    s = b.s
    payments_release = named_in_any_project(s.release_definitions, "payments-release")
    payments_release["artifacts"] = [_artifact(named_in_any_project(s.build_definitions, "payments-ci"))]
    payments_release["triggers"] = [{"artifactAlias": "_payments-ci", "triggerConditions": [],
                                     "triggerType": "artifactSource"}]
    web_release = named_in_any_project(s.release_definitions, "web-release")
    web_release["artifacts"] = [_artifact(named_in_any_project(s.build_definitions, "web-ci"))]
    web_release["triggers"] = [{"artifactAlias": "_web-ci", "triggerType": "artifactSource",
                                "triggerConditions": [{"sourceBranch": "refs/heads/main", "tags": [],
                                                       "useBuildDefinitionBranch": False,
                                                       "createReleaseOnBuildTagging": False}]}]
    endpoints = {e["name"]: e for e in s.service_endpoints}
    for release, stage_name, endpoint, app in ((web_release, "Prod", "legacy-azure-secret", "contoso-web-prod"),
                                                (payments_release, "Production", "payments-azure-wif",
                                                 "payments-api-prod")):
        stage = next(e for e in release["environments"] if e["name"] == stage_name)
        stage["deployPhases"][0]["workflowTasks"] = [_deploy_task(endpoints[endpoint], app)]
