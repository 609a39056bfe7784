"""The yaml.* rules on realistic pipeline files: stages, jobs, deployment jobs, templates and extends.

Each test gives some demo pipelines other YAML files (the rest of the demo organization stays as collected:
web-ci runs for pull requests through a build validation policy, Contoso Web and Data Platform have a queue
for the self-hosted pool self-hosted-linux, data-ingest-nightly's default pool is that queue, web-ci's
variable deployUrl is settable at queue time), recomputes pipeline_yaml_elements from them the way the
inventory does, and checks each finding's pipeline, file, first line, message (path:line of every offending
element) and link to that line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from resmo_pipeline.catalog import RESOURCE_TYPES, FetchContext
from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.compliance.params import ParameterConfig
from resmo_pipeline.inventory.collect import CollectionResult
from resmo_pipeline.inventory.rows import build_frame, parent_rows_from_frame
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION, write_inventory

RULES = builtin_rules()


def findings(tmp_path: Path, demo_collection: dict[str, CollectionResult], files: dict[str, str],
             rule_id: str) -> dict[str, dict[str, Any]]:
    """The findings of one rule, by pipeline name, after giving these pipelines these YAML files."""
    yaml_files = demo_collection["pipeline_yaml_files"]
    rows = parent_rows_from_frame(yaml_files.rows)
    for row in rows:
        if row["definition_name"] in files:
            row.update(content=files[row["definition_name"]], read_error=None)
    assert {row["definition_name"] for row in rows} >= set(files)
    rt = RESOURCE_TYPES["pipeline_yaml_elements"]
    assert rt.fetch is not None
    records = rt.fetch(FetchContext(resource_type=rt, client=None,  # type: ignore[arg-type]
                                    parent_rows={"pipeline_yaml_files": rows}))
    frame, _ = build_frame(rt, records, ORGANIZATION, dt.datetime(2026, 11, 1))
    collection = {**demo_collection,
                  "pipeline_yaml_elements": dataclasses.replace(demo_collection["pipeline_yaml_elements"],
                                                                rows=frame)}
    path = tmp_path / "warehouse.duckdb"
    write_inventory(path, collection)
    with write_connection(path, publish_after_s=None) as conn:
        (result,) = evaluate(conn, [RULES.get(rule_id)], ORGANIZATION, ParameterConfig(), "run-1", suppressions=())
    assert result.reason is None, result.reason
    return {f["resource_name"]: f for f in result.findings}


def at(finding: dict[str, Any], file_path: str, line: int) -> None:
    """The finding points at this file and line, in its columns and its link."""
    assert (finding["file_path"], int(finding["line"])) == (file_path, line)
    assert finding["url"].endswith(f"&line={line}&lineEnd={line}&lineStartColumn=1&lineEndColumn=1"
                                   "&lineStyle=plain&_a=contents"), finding["url"]
    assert f"?path={file_path.replace('/', '%2F')}&" in finding["url"], finding["url"]


#: web-ci (runs for pull requests) with stages, a job on a Microsoft-hosted image, a job and a deployment job on
#: the self-hosted pool it inherits, a step template and the token in two places.
PR_STAGES = """trigger:
- main

pool: self-hosted-linux

stages:
- stage: build
  jobs:
  - job: unit
    pool:
      vmImage: ubuntu-22.04
    steps:
    - template: steps/setup-node.yml
    - script: node ci/report-coverage.js
      env:
        SYSTEM_ACCESSTOKEN: $(System.AccessToken)
  - job: integration
    workspace:
      clean: all
    steps:
    - bash: |
        git -c http.extraheader="AUTHORIZATION: bearer $(System.AccessToken)" fetch origin main
        ./ci/integration.sh
- stage: deploy
  dependsOn: build
  jobs:
  - deployment: preview
    environment: prod-eu
    strategy:
      runOnce:
        deploy:
          steps:
          - task: AzureCLI@2
            inputs:
              azureSubscription: prod-azure-wif
              scriptType: bash
              scriptLocation: inlineScript
              addSpnToEnvironment: true
              inlineScript: ./deploy-preview.sh
"""


def test_pull_request_pipeline_token_self_hosted_jobs_and_workspace(
    tmp_path: Path, demo_collection: dict[str, CollectionResult]
) -> None:
    files = {"web-ci": PR_STAGES}
    token = findings(tmp_path, demo_collection, files, "yaml.pr_access_token")
    assert "web-pr-bot" in token  # the demo's own example, unchanged
    at(token["web-ci"], "/azure-pipelines.yml", 14)
    assert token["web-ci"]["message"] == (
        'Pipeline "web-ci" runs for pull requests (build validation policy and pull request trigger) and gives '
        "scripts the job's access token at azure-pipelines.yml:14 (env SYSTEM_ACCESSTOKEN), "
        "azure-pipelines.yml:21 (in the script)")

    hosted = findings(tmp_path, demo_collection, files, "yaml.pr_self_hosted")
    at(hosted["web-ci"], "/azure-pipelines.yml", 17)  # unit runs on a vmImage
    assert hosted["web-ci"]["message"].endswith(
        'azure-pipelines.yml:17 (job "integration" on pool "self-hosted-linux"), '
        'azure-pipelines.yml:27 (job "preview" on pool "self-hosted-linux")')

    workspace = findings(tmp_path, demo_collection, files, "yaml.self_hosted_workspace")
    at(workspace["web-ci"], "/azure-pipelines.yml", 27)  # integration cleans its workspace
    assert "integration" not in workspace["web-ci"]["message"]

    spn = findings(tmp_path, demo_collection, files, "yaml.spn_in_script")
    at(spn["web-ci"], "/azure-pipelines.yml", 33)
    assert ('azure-pipelines.yml:33 (AzureCLI@2 with "prod-azure-wif", runs for pull requests: build validation '
            "policy and pull request trigger)") in spn["web-ci"]["message"]


#: A steps-only pipeline: its one implicit job runs on the definition's default pool (self-hosted here).
STEPS_ONLY = """schedules:
- cron: "0 3 * * *"
  branches:
    include: [main]
steps:
- checkout: self
  clean: true
- script: python -m ingest
"""

#: The same with the pipeline-level workspace setting, which every job inherits.
STEPS_ONLY_CLEAN = "workspace:\n  clean: all\n" + STEPS_ONLY


def test_steps_only_pipeline_on_the_definitions_default_pool(
    tmp_path: Path, demo_collection: dict[str, CollectionResult]
) -> None:
    files = {"data-ingest-nightly": STEPS_ONLY, "web-hotfix": STEPS_ONLY_CLEAN}
    workspace = findings(tmp_path, demo_collection, files, "yaml.self_hosted_workspace")
    assert "web-hotfix" not in workspace  # Microsoft-hosted default pool, and it cleans anyway
    at(workspace["data-ingest-nightly"], "/pipelines/ingest.yml", 1)
    assert workspace["data-ingest-nightly"]["message"].endswith(
        "pipelines/ingest.yml:1 (the pipeline's job on pool \"self-hosted-linux\")")
    assert "data-ingest-nightly" not in findings(tmp_path, demo_collection, files, "yaml.pr_self_hosted")


#: web-ci extending a template with jobs as parameters: a job without a pool gets the template's pool (unknown),
#: a job naming the self-hosted pool is judged.
EXTENDS_JOBS = """resources:
  repositories:
  - repository: templates
    type: git
    name: shared-templates
    ref: refs/tags/v2.1.0
extends:
  template: templates/ci.yml@templates
  parameters:
    jobs:
    - job: lint
      steps:
      - script: npm run lint
    - job: e2e
      pool: self-hosted-linux
      steps:
      - script: npm run e2e
"""


def test_jobs_handed_to_a_template_keep_the_templates_pool(
    tmp_path: Path, demo_collection: dict[str, CollectionResult]
) -> None:
    files = {"web-ci": EXTENDS_JOBS}
    hosted = findings(tmp_path, demo_collection, files, "yaml.pr_self_hosted")["web-ci"]
    at(hosted, "/azure-pipelines.yml", 14)
    assert hosted["message"].endswith('azure-pipelines.yml:14 (job "e2e" on pool "self-hosted-linux")')
    assert "web-ci" in findings(tmp_path, demo_collection, files, "yaml.self_hosted_workspace")


#: Runtime parameters, YAML variables in all their forms, queue-time variables and downloads in scripts.
INPUTS = """trigger: none

parameters:
- name: target
  type: string
- name: environment
  type: string
  values: [dev, prod]
- name: verbose
  type: boolean
  default: false

variables:
  githubToken: ghp_4f8Kx2LmQ9vRt6YwZ1aB3cD5eF7gH9iJ0kL2
  deployKey: $(deployKeySecret)
  NODE_TLS_REJECT_UNAUTHORIZED: '0'

stages:
- stage: release
  variables:
  - name: dbPassword
    value: Sup3rS3cret!Passw0rd
  - name: buildConfiguration
    value: Release
  jobs:
  - job: release
    pool:
      vmImage: windows-2022
    steps:
    - pwsh: |
        iex ((New-Object System.Net.WebClient).DownloadString('https://chocolatey.org/install.ps1'))
        ./release.ps1 -Target '${{ parameters.target }}' -Env ${{ parameters.environment }} `
          -Verbose:$${{ parameters.verbose }}
      displayName: Release
    - script: echo "$(DeployUrl)" > notes.txt && curl -sSfk https://intranet.contoso.example/notes -d @notes.txt
    - task: PowerShell@2
      inputs:
        targetType: inline
        script: Write-Host "${{ variables['deployUrl'] }}"
      env:
        GIT_SSL_NO_VERIFY: 'true'
"""


def test_parameters_variables_and_downloads_in_scripts(
    tmp_path: Path, demo_collection: dict[str, CollectionResult]
) -> None:
    files = {"web-ci": INPUTS}
    path = "/azure-pipelines.yml"
    parameters = findings(tmp_path, demo_collection, files, "yaml.parameter_injection")["web-ci"]
    at(parameters, path, 30)
    assert parameters["message"].endswith("at azure-pipelines.yml:30 (parameters.target)")  # not the others

    queue_time = findings(tmp_path, demo_collection, files, "yaml.queue_time_variable_injection")["web-ci"]
    at(queue_time, path, 35)
    assert queue_time["message"].endswith(
        "azure-pipelines.yml:35 (deployUrl), azure-pipelines.yml:36 (deployUrl)")

    secrets = findings(tmp_path, demo_collection, files, "yaml.inline_secrets")["web-ci"]
    at(secrets, path, 14)
    assert secrets["message"].endswith("azure-pipelines.yml:14 (githubToken), azure-pipelines.yml:21 (dbPassword)")

    tls = findings(tmp_path, demo_collection, files, "yaml.tls_verification_disabled")["web-ci"]
    at(tls, path, 16)
    assert tls["message"].endswith(
        "azure-pipelines.yml:16 (NODE_TLS_REJECT_UNAUTHORIZED: 0), azure-pipelines.yml:35 (curl -sSfk), "
        "azure-pipelines.yml:36 (GIT_SSL_NO_VERIFY: true)")

    download = findings(tmp_path, demo_collection, files, "yaml.download_execute")["web-ci"]
    at(download, path, 30)
    assert "(iex ((New-Object System.Net.WebClient).DownloadString)" in download["message"]


#: Deployments: one from a regular job, one from deployment jobs with conditions, steps handed to a template,
#: and pipeline resources with and without branch filters.
DEPLOY = """trigger: none

resources:
  repositories:
  - repository: templates
    type: git
    name: shared-templates
    ref: refs/tags/v2.1.0
  pipelines:
  - pipeline: web
    source: web-ci
    trigger:
      branches:
        include: ['*']
  - pipeline: api
    source: payments-ci
    project: Payments
    trigger: true
  - pipeline: docs
    source: web-docs-ci
    trigger:
      branches:
        include: [main]

stages:
- stage: hotfix
  jobs:
  - job: quick
    steps:
    - task: AzureRmWebAppDeployment@4
      inputs:
        ConnectedServiceName: prod-azure-wif
        WebAppName: contoso-web-prod
  - template: jobs/smoke.yml@templates
    parameters:
      steps:
      - task: AzureWebApp@1
        inputs:
          azureSubscription: prod-azure-wif
          appName: contoso-web-smoke
- stage: eu
  condition: and(always(), eq(variables['Build.Reason'], 'Manual'))
  jobs:
  - deployment: eu
    environment: prod-eu
    strategy:
      runOnce:
        deploy:
          steps:
          - task: AzureWebApp@1
            inputs:
              azureSubscription: prod-azure-wif
              appName: contoso-web-eu
- stage: us
  jobs:
  - deployment: us
    environment: prod-eu
    condition: succeededOrFailed()
    strategy:
      runOnce:
        deploy:
          steps:
          - script: ./deploy.sh us
  - deployment: rollback
    environment: prod-eu
    condition: failed()
    strategy:
      runOnce:
        deploy:
          steps:
          - script: ./rollback.sh
"""


def test_deployments_conditions_and_pipeline_triggers(
    tmp_path: Path, demo_collection: dict[str, CollectionResult]
) -> None:
    files = {"web-deploy": DEPLOY}
    path = "/pipelines/deploy.yml"
    outside = findings(tmp_path, demo_collection, files, "yaml.deploy_outside_deployment_job")["web-deploy"]
    at(outside, path, 30)
    assert outside["message"].endswith(
        'pipelines/deploy.yml:30 (AzureRmWebAppDeployment@4 in job "quick")')  # not the template's step

    failures = findings(tmp_path, demo_collection, files, "yaml.deploy_ignores_failures")["web-deploy"]
    at(failures, path, 44)
    assert failures["message"] == (
        'Pipeline "web-deploy" deploys even when what it depends on failed: pipelines/deploy.yml:44 (deployment '
        '"eu" in stage "eu" at pipelines/deploy.yml:41 condition: and(always(), eq(variables[\'Build.Reason\'], '
        "'Manual'))), pipelines/deploy.yml:56 (deployment \"us\" condition: succeededOrFailed())")

    triggers = findings(tmp_path, demo_collection, files, "yaml.pipeline_trigger_any_branch")["web-deploy"]
    at(triggers, path, 10)
    assert triggers["message"].endswith(
        'pipelines/deploy.yml:10 (web: source pipeline "web-ci"), pipelines/deploy.yml:15 (api: source pipeline '
        '"payments-ci" in project "Payments")')


#: Containers, scans and image pushes of a build pipeline.
BUILD = f"""trigger:
- main

resources:
  containers:
  - container: dind
    image: docker:27-dind@sha256:{'0' * 64}
    options: --privileged
  - container: tools
    image: contoso/tools@sha256:{'1' * 64}
    options: --network host --memory 4g

jobs:
- job: build
  container: tools
  services:
    docker:
      image: docker:27@sha256:{'2' * 64}
      options: -v /var/run/docker.sock:/var/run/docker.sock
  steps:
  - task: MicrosoftSecurityDevOps@1
    continueOnError: true
  - task: SonarQubeAnalyze@6
  - task: Npm@1
    continueOnError: true
  - task: Docker@2
    displayName: Push
    inputs:
      containerRegistry: dockerhub-payments
      repository: contoso/web
      tags: |
        $(Build.BuildId)
        latest
  - task: Docker@2
    displayName: Build only
    inputs:
      command: build
      tags: latest
"""


def test_containers_scans_and_image_tags(tmp_path: Path, demo_collection: dict[str, CollectionResult]) -> None:
    files = {"payments-api-image": BUILD}
    path = "/pipelines/image.yml"
    privileged = findings(tmp_path, demo_collection, files, "yaml.privileged_container")["payments-api-image"]
    at(privileged, path, 6)
    assert privileged["message"].endswith(
        f"pipelines/image.yml:6 (docker:27-dind@sha256:{'0' * 64}: --privileged), "
        f"pipelines/image.yml:18 (docker:27@sha256:{'2' * 64}: docker.sock)")  # --network host is not flagged

    scans = findings(tmp_path, demo_collection, files, "yaml.scan_continue_on_error")["payments-api-image"]
    at(scans, path, 21)
    assert scans["message"].endswith("at pipelines/image.yml:21 (MicrosoftSecurityDevOps@1)")

    latest = findings(tmp_path, demo_collection, files, "yaml.docker_push_latest")["payments-api-image"]
    at(latest, path, 26)
    assert latest["message"].endswith("at pipelines/image.yml:26 (Push)")  # a build without push is not


@pytest.mark.parametrize("rule_id", ["yaml.parse_error"])
def test_a_file_that_does_not_parse(tmp_path: Path, demo_collection: dict[str, CollectionResult],
                                    rule_id: str) -> None:
    files = {"web-hotfix": "steps:\n- script: echo hi\n  - bad\n"}
    broken = findings(tmp_path, demo_collection, files, rule_id)["web-hotfix"]
    at(broken, "/pipelines/hotfix.yml", 3)
    assert "expected <block end>, but found '-'" in broken["message"]
