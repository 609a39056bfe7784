"""Demo examples of the rules on pipeline YAML files (analysed by the yaml.* rules).

`populate` adds nine YAML pipelines to the existing demo repositories, each with its file in the repository
(under /pipelines/), so every yaml.* rule added after the first five has violating and compliant pipelines.
The new files are written to pass the first five YAML rules (pinned images, no persisted credentials, no
branch names in scripts, no use of the production environment that requires a template), so those rules'
demo findings stay as they were. The existing pipelines count too: web-ci runs pull requests on the
self-hosted pool and keeps its workspace, and gets a smoke-test step appended to the end of its YAML that
writes its queue-time variable deployUrl into a script (no earlier line moves). Each new pipeline has one
recent successful run and its own, non-inheriting Build permissions (as data-pipelines-ci), so the rules on
runs and pipeline permissions do not pick them up.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.builds import add_run, add_yaml_file
from resmo_pipeline.simulator.data.demo_rules.pipelines import BUILD_VIEW_AND_QUEUE

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

EXAMPLES: dict[str, dict[str, Any]] = {
    "yaml.download_execute": {
        "resource_type": "build_definitions",
        "violating": ["web-e2e-tests"],
        "compliant": ["payments-terraform", "data-ingest-nightly", "payments-infra-ci"],
        "note": "web-e2e-tests installs pnpm with `curl -fsSL https://get.pnpm.io/install.sh | sh -`; "
                "payments-terraform downloads Terraform to a file and checks its SHA-256 before unzipping.",
    },
    "yaml.tls_verification_disabled": {
        "resource_type": "build_definitions",
        "violating": ["data-ingest-nightly"],
        "compliant": ["payments-terraform", "data-backfill", "web-e2e-tests"],
        "note": "data-ingest-nightly installs packages with `pip install --trusted-host ...`; payments-terraform "
                "and web-e2e-tests use curl with certificate checks.",
    },
    "yaml.pr_access_token": {
        "resource_type": "build_definitions",
        "violating": ["web-pr-bot"],
        "compliant": ["web-ci", "payments-ci", "data-pipelines-ci"],
        "note": "web-pr-bot runs for pull requests (pull-request trigger) and maps SYSTEM_ACCESSTOKEN into a "
                "script; web-ci, payments-ci and data-pipelines-ci run for pull requests without the token.",
    },
    "yaml.pr_self_hosted": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["web-pr-bot", "payments-ci", "data-pipelines-ci", "data-ingest-nightly"],
        "note": "web-ci (build validation policy on contoso-web) runs on pool self-hosted-linux; web-pr-bot and "
                "payments-ci run pull requests on Microsoft-hosted agents; data-ingest-nightly is self-hosted but "
                "never runs for pull requests.",
    },
    "yaml.spn_in_script": {
        "resource_type": "build_definitions",
        "violating": ["payments-terraform"],
        "compliant": ["payments-ci"],
        "note": "payments-terraform's AzureCLI@2 sets addSpnToEnvironment: true (idToken to Terraform); "
                "payments-ci's AzureCLI@2 uses the signed-in az session only.",
    },
    "yaml.parameter_injection": {
        "resource_type": "build_definitions",
        "violating": ["data-backfill"],
        "compliant": ["data-ingest-nightly"],
        "note": "data-backfill writes ${{ parameters.tableName }} (string, no values list) into its script; "
                "its mode parameter and data-ingest-nightly's source parameter have values lists.",
    },
    "yaml.queue_time_variable_injection": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["web-hotfix", "payments-ci", "data-pipelines-ci"],
        "note": "web-ci's deployUrl is settable at queue time and its smoke test (appended to its YAML by this "
                "module) runs curl \"$(deployUrl)/health\"; the others have no variable settable at queue time.",
    },
    "yaml.inline_secrets": {
        "resource_type": "build_definitions",
        "violating": ["data-backfill"],
        "compliant": ["data-ingest-nightly"],
        "note": "data-backfill's YAML variable storageConnection holds a storage connection string with its "
                "AccountKey; data-ingest-nightly's apiToken only references the secret $(ingestApiToken).",
    },
    "yaml.pipeline_trigger_any_branch": {
        "resource_type": "build_definitions",
        "violating": ["web-deploy"],
        "compliant": ["payments-deploy"],
        "note": "web-deploy is triggered by web-ci with `trigger: true` (any branch, pull-request runs "
                "included); payments-deploy's trigger includes only main.",
    },
    "yaml.privileged_container": {
        "resource_type": "build_definitions",
        "violating": ["web-e2e-tests"],
        "compliant": ["data-pipelines-ci", "payments-ci"],
        "note": "web-e2e-tests' playwright container mounts /var/run/docker.sock; the other container jobs pass "
                "no options.",
    },
    "yaml.scan_continue_on_error": {
        "resource_type": "build_definitions",
        "violating": ["web-pr-bot"],
        "compliant": ["data-ingest-nightly"],
        "note": "web-pr-bot's MicrosoftSecurityDevOps@1 has continueOnError: true; data-ingest-nightly's does not.",
    },
    "yaml.deploy_ignores_failures": {
        "resource_type": "build_definitions",
        "violating": ["web-deploy"],
        "compliant": ["payments-deploy", "web-ci", "payments-ci"],
        "note": "web-deploy's deploy_eu stage has condition: always() (deploys after a failed smoke test); "
                "payments-deploy's condition starts with succeeded().",
    },
    "yaml.self_hosted_workspace": {
        "resource_type": "build_definitions",
        "violating": ["web-ci"],
        "compliant": ["data-ingest-nightly"],
        "note": "web-ci's jobs run on self-hosted-linux and keep the workspace; data-ingest-nightly runs there "
                "with workspace: clean: all.",
    },
    "yaml.deploy_outside_deployment_job": {
        "resource_type": "build_definitions",
        "violating": ["web-hotfix"],
        "compliant": ["web-ci", "web-deploy", "payments-deploy"],
        "note": "web-hotfix runs AzureWebApp@1 in the regular job hotfix; the others deploy from "
                "deployment jobs with an environment.",
    },
    "yaml.docker_push_latest": {
        "resource_type": "build_definitions",
        "violating": ["payments-api-image"],
        "compliant": ["payments-deploy"],
        "note": "payments-api-image pushes with tags $(Build.BuildId) and latest; payments-deploy pushes only "
                "the source run's id.",
    },
    "yaml.parse_error": {
        "resource_type": "build_definitions",
        "violating": ["payments-nightly-report"],
        "compliant": ["payments-ci", "web-ci"],
        "note": "payments-nightly-report's YAML has a list item inside a mapping at line 8; the others parse.",
    },
}

DIGEST = "sha256:5e2b8c1d7a4f9e3b6c0d2a8f4e1b7c9d3a6f0e2b8c4d1a7f9e3b5c0d6a2f8e4b"

WEB_E2E_YAML = f"""trigger:
- main

pool:
  vmImage: ubuntu-22.04

resources:
  containers:
  - container: playwright
    image: mcr.microsoft.com/playwright:v1.47.0-jammy@{DIGEST}
    options: -v /var/run/docker.sock:/var/run/docker.sock

jobs:
- job: e2e
  container: playwright
  steps:
  - checkout: self
  - script: |
      curl -fsSL https://get.pnpm.io/install.sh | sh -
      pnpm install --frozen-lockfile
    displayName: Install pnpm
  - script: pnpm exec playwright test
    displayName: Run end-to-end tests
"""

WEB_PR_BOT_YAML = """trigger: none

pool:
  vmImage: ubuntu-latest

steps:
- checkout: self
  fetchDepth: 0
- task: MicrosoftSecurityDevOps@1
  displayName: Security scan
  continueOnError: true
  inputs:
    categories: secrets,code
- script: |
    npm ci
    node scripts/pr-summary.js --pr "$PR_ID"
  displayName: Post pull request summary
  env:
    SYSTEM_ACCESSTOKEN: $(System.AccessToken)
    PR_ID: $(System.PullRequest.PullRequestId)
"""

WEB_HOTFIX_YAML = """trigger: none

pool:
  vmImage: ubuntu-latest

jobs:
- job: hotfix
  steps:
  - checkout: self
  - script: |
      echo "Hotfix $(Build.BuildNumber)" >> CHANGELOG.md
      npm ci && npm run build
    displayName: Build hotfix
  - task: AzureWebApp@1
    displayName: Deploy web app
    inputs:
      azureSubscription: prod-azure-wif
      appName: contoso-web-prod
      package: $(System.DefaultWorkingDirectory)/dist
"""

WEB_DEPLOY_YAML = """trigger: none

resources:
  pipelines:
  - pipeline: web
    source: web-ci
    trigger: true

pool:
  vmImage: ubuntu-latest

stages:
- stage: smoke
  jobs:
  - job: smoke
    steps:
    - download: web
    - script: ./scripts/smoke.sh "$(Pipeline.Workspace)/web"
      displayName: Smoke test
- stage: deploy_eu
  dependsOn: smoke
  condition: always()
  jobs:
  - deployment: deploy_eu
    environment: prod-eu
    strategy:
      runOnce:
        deploy:
          steps:
          - download: web
            artifact: drop
          - task: AzureWebApp@1
            displayName: Deploy to West Europe
            inputs:
              azureSubscription: prod-azure-wif
              appName: contoso-web-eu
              package: $(Pipeline.Workspace)/web/**/*.zip
"""

PAYMENTS_DEPLOY_YAML = """trigger: none

resources:
  pipelines:
  - pipeline: api
    source: payments-ci
    trigger:
      branches:
        include:
        - main

pool:
  vmImage: ubuntu-latest

stages:
- stage: image
  jobs:
  - job: push
    steps:
    - download: api
    - task: Docker@2
      displayName: Push image
      inputs:
        command: buildAndPush
        containerRegistry: dockerhub-payments
        repository: contosopayments/payments-api
        tags: |
          $(resources.pipeline.api.runID)
- stage: deploy
  dependsOn: image
  condition: and(succeeded(), eq(variables['resources.pipeline.api.sourceBranch'], 'refs/heads/main'))
  jobs:
  - deployment: api
    displayName: Deploy payments-api
    environment: payments-prod
    strategy:
      runOnce:
        deploy:
          steps:
          - task: AzureWebApp@1
            inputs:
              azureSubscription: payments-azure-wif
              appName: payments-api-prod
              appType: webAppContainer
"""

PAYMENTS_IMAGE_YAML = """trigger:
- main

pool:
  vmImage: ubuntu-latest

steps:
- task: Docker@2
  displayName: Build and push image
  inputs:
    containerRegistry: dockerhub-payments
    repository: contosopayments/payments-api
    tags: |
      $(Build.BuildId)
      latest
"""

PAYMENTS_TERRAFORM_YAML = """trigger:
- main

pool:
  vmImage: ubuntu-latest

steps:
- checkout: self
- script: |
    curl -fsSLo terraform.zip https://releases.hashicorp.com/terraform/1.9.5/terraform_1.9.5_linux_amd64.zip
    echo "9cf727b4d6bd2d4d2908f08bd282f9e4809d6c3071c3b8ebe53558bee6dc913b  terraform.zip" | sha256sum -c
    unzip terraform.zip -d "$(Agent.ToolsDirectory)/terraform"
  displayName: Install Terraform
- task: AzureCLI@2
  displayName: Terraform apply
  inputs:
    azureSubscription: payments-azure-wif
    scriptType: bash
    scriptLocation: inlineScript
    addSpnToEnvironment: true
    inlineScript: |
      export ARM_CLIENT_ID="$servicePrincipalId" ARM_TENANT_ID="$tenantId" ARM_OIDC_TOKEN="$idToken"
      terraform init && terraform apply -auto-approve
"""

#: Does not parse: `- bad` at line 8 is a list item where the mapping of the step continues.
PAYMENTS_REPORT_YAML = """trigger: none

pool:
  vmImage: ubuntu-latest

steps:
- script: ./reports/nightly.sh
  - displayName: Nightly report
"""

#: A storage account key written into the YAML (made up, but in the real format).
STORAGE_CONNECTION = ("DefaultEndpointsProtocol=https;AccountName=contosodatalake;AccountKey="
                      "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OQ==;"
                      "EndpointSuffix=core.windows.net")

DATA_BACKFILL_YAML = """trigger: none

parameters:
- name: tableName
  displayName: Table to backfill
  type: string
- name: mode
  type: string
  default: incremental
  values:
  - incremental
  - full

variables:
  storageConnection: {storage}
  region: westeurope

pool:
  vmImage: ubuntu-latest

steps:
- script: python jobs/backfill.py --table ${{ parameters.tableName }} --mode ${{ parameters.mode }}
  displayName: Backfill
  env:
    STORAGE_CONNECTION: $(storageConnection)
""".replace("{storage}", STORAGE_CONNECTION)

DATA_INGEST_YAML = """trigger: none

schedules:
- cron: "0 2 * * *"
  branches:
    include:
    - main
  always: true

parameters:
- name: source
  type: string
  default: all
  values:
  - all
  - crm
  - billing

variables:
- name: apiToken
  value: $(ingestApiToken)
- name: region
  value: westeurope
  readonly: true

pool: self-hosted-linux

jobs:
- job: ingest
  workspace:
    clean: all
  steps:
  - checkout: self
  - task: MicrosoftSecurityDevOps@1
    displayName: Scan dependencies
    inputs:
      categories: dependencies
  - script: |
      pip install --trusted-host pypi.internal.contoso.com -r requirements.txt
      python -m ingest --source ${{ parameters.source }}
    displayName: Ingest
    env:
      API_TOKEN: $(apiToken)
"""

#: Appended to web-ci's YAML (builds.WEB_CI_YAML, whose last step is the AzureWebApp@1 deployment): a smoke test
#: that writes the queue-time variable deployUrl into a script. At the end of the file, so the lines of
#: everything before it (and the findings of the other YAML rules) stay as they were.
WEB_CI_SMOKE_TEST = """          - script: curl -fsS --retry 5 "$(deployUrl)/health"
            displayName: Smoke test
"""

#: name -> (project, repository, YAML path, content, build_definition keyword arguments).
PIPELINES: tuple[tuple[str, str, str, str, str, dict[str, Any]], ...] = (
    ("web-e2e-tests", "Contoso Web", "contoso-web", "/pipelines/e2e-tests.yml", WEB_E2E_YAML, {}),
    ("web-pr-bot", "Contoso Web", "contoso-web", "/pipelines/pr-checks.yml", WEB_PR_BOT_YAML,
     {"fork": {"enabled": False}}),
    ("web-hotfix", "Contoso Web", "contoso-web", "/pipelines/hotfix.yml", WEB_HOTFIX_YAML, {}),
    ("web-deploy", "Contoso Web", "contoso-web", "/pipelines/deploy.yml", WEB_DEPLOY_YAML, {}),
    ("payments-deploy", "Payments", "payments-api", "/pipelines/deploy.yml", PAYMENTS_DEPLOY_YAML, {}),
    ("payments-api-image", "Payments", "payments-api", "/pipelines/image.yml", PAYMENTS_IMAGE_YAML, {}),
    ("payments-terraform", "Payments", "payments-infra", "/pipelines/terraform.yml", PAYMENTS_TERRAFORM_YAML, {}),
    ("payments-nightly-report", "Payments", "payments-api", "/pipelines/nightly-report.yml", PAYMENTS_REPORT_YAML,
     {}),
    ("data-backfill", "Data Platform", "data-pipelines", "/pipelines/backfill.yml", DATA_BACKFILL_YAML, {}),
    ("data-ingest-nightly", "Data Platform", "data-pipelines", "/pipelines/ingest.yml", DATA_INGEST_YAML,
     {"queue_name": "self-hosted-linux"}),
)


def populate(b: Builder) -> None:
    """Add the demo resources these examples name: the YAML pipelines above and their files."""
    s = b.s
    rng = random.Random(f"demo-rules:yaml:{s.organization.lower()}:{s.seed}")
    projects = {p["name"]: p for p in s.projects}
    people = b.people or [s.owner["descriptor"]]
    web_ci = next((d for defs in s.build_definitions.values() for d in defs if d["name"] == "web-ci"), None)
    web_ci_file = s.pipeline_files.get((web_ci["repository"]["id"], web_ci["process"]["yamlFilename"].lower())) \
        if web_ci is not None else None
    if web_ci_file is not None and web_ci_file["content"].endswith("appName: contoso-web-prod\n"):
        web_ci_file["content"] += WEB_CI_SMOKE_TEST
    for name, project_name, repo_name, path, content, options in PIPELINES:
        project = projects[project_name]
        repo = s.repository(repo_name, project["id"])
        if repo is None:
            continue
        definition = b.build_definition(project, name, repo, **options)
        definition["process"]["yamlFilename"] = path
        add_yaml_file(s, rng, definition, content)
        # One recent, successful run each (none of them is inactive or failing).
        # Own Build permissions, not inherited from the project (as data-pipelines-ci): administrators manage
        # it, Contributors may view and queue it.
        groups = b.project_groups[project["id"]]
        b.acl("Build", f"{project['id']}/{definition['id']}", [
            (groups["admins"], 32767, 0), (groups["build_admins"], 32767, 0),
            (groups["contributors"], BUILD_VIEW_AND_QUEUE, 0), (groups["readers"], 1025, 0),
        ], inherit=False)
        run = add_run(s, rng, definition, "manual", people, finished=s.now - timedelta(days=3, hours=rng.random()))
        run["result"] = "succeeded"
