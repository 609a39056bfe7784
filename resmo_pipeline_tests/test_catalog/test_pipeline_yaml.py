"""pipeline_yaml_elements on realistic pipeline files: kinds, values and 1-based line numbers."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.catalog import RESOURCE_TYPES, FetchContext
from resmo_pipeline.catalog.pipeline_yaml import yaml_elements

STAGES = """trigger:
- main
resources:
  repositories:
  - repository: templates
    type: git
    name: Platform/pipeline-templates
    ref: refs/tags/v3.0.0
  - repository: tools
    type: github
    name: contoso/tools
    endpoint: github-contoso
  containers:
  - container: sdk
    image: mcr.microsoft.com/dotnet/sdk:8.0
pool:
  vmImage: ubuntu-latest
stages:
- stage: build
  jobs:
  - job: compile
    container: sdk
    services:
      db: postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    steps:
    - checkout: self
      persistCredentials: true
    - script: echo $(Build.SourceBranchName)
      displayName: Show branch
    - task: PowerShell@2
      inputs:
        targetType: inline
        script: Write-Host "${{ variables['Build.SourceBranch'] }}"
    - template: steps/test.yml@templates
      parameters:
        configuration: Release
- stage: deploy
  pool: self-hosted-linux
  jobs:
  - ${{ if eq(variables['Build.SourceBranch'], 'refs/heads/main') }}:
    - deployment: web
      environment: production.web01
      strategy:
        rolling:
          preDeploy:
            steps:
            - bash: ./pre.sh
          deploy:
            steps:
            - task: AzureCLI@2
              inputs:
                azureSubscription: prod-azure-wif
                scriptType: bash
                inlineScript: az webapp deploy
  - template: jobs/smoke.yml
"""

EXTENDS = """resources:
  repositories:
  - repository: templates
    type: git
    name: shared-templates
    ref: 3f9c2a7e5b1d4c8a9e0f6b2d7c4a1e8f5b3d9c0a
extends:
  template: templates/deploy.yml@templates
  parameters:
    environment: production
    buildSteps:
    - checkout: self
      persistCredentials: ${{ parameters.persist }}
    - pwsh: ./build.ps1 -Message "$(Build.SourceVersionMessage)"
"""


def has(element: dict[str, Any], expected: dict[str, Any]) -> bool:
    """The element has these values (and maybe more)."""
    return {key: element.get(key) for key in expected} == expected


def by_line(content: str) -> dict[int, dict[str, Any]]:
    elements = yaml_elements(content)
    assert len({e["line"] for e in elements}) == len(elements)
    return {e["line"]: e for e in elements}


def test_stages_jobs_steps_resources_and_templates() -> None:
    found = by_line(STAGES)
    assert [(line, e["kind"]) for line, e in found.items()] == [
        (5, "repository"), (9, "repository"), (14, "container"), (17, "pool"), (19, "stage"), (21, "job"),
        (24, "container"), (26, "checkout"), (28, "script"), (30, "script"), (34, "template"), (37, "stage"),
        (38, "pool"), (41, "job"), (47, "script"), (50, "script"), (55, "template"),
    ]
    assert has(found[5], {"name": "templates", "value": "Platform/pipeline-templates", "ref": "refs/tags/v3.0.0",
                             "pinned": True, "repository_type": "git"})
    assert found[9]["pinned"] is False and found[9]["ref"] is None
    assert found[9]["service_connections"] == ["github-contoso"]
    assert has(found[14], {"name": "sdk", "value": "mcr.microsoft.com/dotnet/sdk:8.0", "pinned": False})
    assert found[17]["vm_image"] == "ubuntu-latest"
    assert has(found[21], {"name": "compile", "stage": "build", "value": "job"})
    # `container: sdk` names the resource (line 14) and is no element itself; the service container is one.
    assert has(found[24], {"name": "db", "pinned": True, "yaml_path": "stages[0].jobs[0].services.db"})
    assert has(found[26], {"kind": "checkout", "value": "self", "persist_credentials": True, "job": "compile"})
    assert has(found[28], {"task": "script", "value": "echo $(Build.SourceBranchName)", "name": "Show branch"})
    assert has(found[30], {"task": "PowerShell@2", "value": "Write-Host \"${{ variables['Build.SourceBranch'] }}\""})
    assert has(found[34], {"value": "steps/test.yml", "repository_alias": "templates",
                              "parameters": {"configuration": "Release"}})
    assert found[38]["pool_name"] == "self-hosted-linux"
    deployment = found[41]
    assert has(deployment, {"kind": "job", "value": "deployment", "name": "web", "stage": "deploy",
                               "environment": "production.web01", "pool_name": "self-hosted-linux"})
    assert deployment["referenced_names"] == ["production.web01", "production"]
    assert has(found[47], {"task": "bash", "value": "./pre.sh", "job": "web"})
    assert found[47]["yaml_path"].endswith("[0].strategy.rolling.preDeploy.steps[0]")
    assert has(found[50], {"task": "AzureCLI@2", "value": "az webapp deploy",
                              "service_connections": ["prod-azure-wif"]})
    assert has(found[55], {"value": "jobs/smoke.yml", "repository_alias": None, "stage": "deploy"})


def test_extends_with_steps_in_its_parameters() -> None:
    found = by_line(EXTENDS)
    assert [(line, e["kind"]) for line, e in found.items()] == [
        (3, "repository"), (8, "extends"), (12, "checkout"), (14, "script"),
    ]
    assert found[3]["pinned"] is True  # a full commit id
    assert has(found[8], {"value": "templates/deploy.yml", "repository_alias": "templates", "yaml_path": "extends"})
    assert "production" in found[8]["referenced_names"]
    assert found[12]["persist_credentials"] is None  # an expression decides it
    assert has(found[14], {"task": "pwsh", "value": './build.ps1 -Message "$(Build.SourceVersionMessage)"',
                              "yaml_path": "extends.parameters.buildSteps[1]"})


def test_a_file_that_does_not_parse_is_one_parse_error_row() -> None:
    (error,) = yaml_elements("steps:\n- script: echo hi\n  - bad\n")
    assert error["kind"] == "parse_error" and error["line"] == 3
    assert "expected <block end>" in error["error"]
    assert yaml_elements("") == []


def test_the_hook_reads_readable_files_only_and_adds_locations() -> None:
    rt = RESOURCE_TYPES["pipeline_yaml_elements"]
    assert rt.fetch is not None and rt.endpoint is None and rt.parents == ("pipeline_yaml_files",)
    base = {"project_id": "p1", "project_name": "Web", "definition_id": 7, "definition_name": "web-ci",
            "repository_id": "r1", "repository_name": "web", "branch": "main", "path": "/ci/azure-pipelines.yml"}
    rows = [{**base, "content": "steps:\n- checkout: self\n  persistCredentials: true\n", "read_error": None},
            {**base, "definition_id": 8, "content": None, "read_error": "NotFoundError: gone"}]
    records = rt.fetch(FetchContext(resource_type=rt, client=None, parent_rows={"pipeline_yaml_files": rows}))  # type: ignore[arg-type]
    assert len(records) == 1
    item, context = records[0]
    assert has(item, {"kind": "checkout", "line": 2, "file_path": "/ci/azure-pipelines.yml",
                         "location": "ci/azure-pipelines.yml:2", "yaml_path": "steps[0]"})
    assert context == {k: base[k] for k in ("project_id", "project_name", "definition_id", "definition_name",
                                            "repository_id", "repository_name", "branch")}
