"""pipeline_yaml_elements: the kinds and columns added for the later YAML rules — runtime parameters,
variables, pipeline resources, step env / condition / continueOnError, workspace.clean and container options —
on realistic files, at their 1-based lines; the earlier kinds keep their rows."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.catalog.pipeline_yaml import yaml_elements

PIPELINE = """trigger: none
parameters:
- name: tableName
  type: string
- name: mode
  default: incremental
  values: [incremental, full]
- name: dryRun
  type: boolean
  default: false
resources:
  pipelines:
  - pipeline: web
    source: web-ci
    project: Contoso Web
    trigger: true
  - pipeline: api
    source: payments-ci
    branch: refs/heads/main
    trigger:
      branches:
        include: [main, release/*]
  - pipeline: nightly
    source: nightly
    trigger: none
  containers:
  - container: dind
    image: docker:27-dind@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    options: --privileged
variables:
  region: westeurope
  ${{ if eq(parameters.mode, 'full') }}:
    retention: 30
workspace:
  clean: outputs
stages:
- stage: build
  variables:
  - group: build-secrets
  - name: apiKey
    value: $(secretApiKey)
    readonly: true
  - template: vars/common.yml
  jobs:
  - job: test
    steps:
    - script: ./test.sh ${{ parameters.tableName }}
      condition: always()
      continueOnError: true
      env:
        SYSTEM_ACCESSTOKEN: $(System.AccessToken)
    - task: MicrosoftSecurityDevOps@1
      continueOnError: ${{ parameters.dryRun }}
    - checkout: self
      clean: true
- stage: deploy
  condition: succeededOrFailed()
  jobs:
  - deployment: web
    environment: prod-eu
    workspace:
      clean: all
    strategy:
      runOnce:
        deploy:
          steps:
          - download: web
"""


def by_line(content: str) -> dict[int, dict[str, Any]]:
    elements = yaml_elements(content)
    assert len({e["line"] for e in elements}) == len(elements)
    return {e["line"]: e for e in elements}


def has(element: dict[str, Any], expected: dict[str, Any]) -> bool:
    return {key: element.get(key) for key in expected} == expected


def test_new_kinds_at_their_lines() -> None:
    found = by_line(PIPELINE)
    assert [(line, e["kind"]) for line, e in found.items()] == [
        (3, "parameter"), (5, "parameter"), (8, "parameter"), (13, "pipeline_resource"),
        (17, "pipeline_resource"), (23, "pipeline_resource"), (27, "container"), (31, "variable"),
        (33, "variable"), (37, "stage"), (40, "variable"), (43, "template"), (45, "job"), (47, "script"),
        (52, "task"), (54, "checkout"), (56, "stage"), (59, "job"), (67, "task"),
    ]
    assert has(found[3], {"name": "tableName", "parameter_type": "string", "allowed_values": None, "value": None})
    assert has(found[5], {"name": "mode", "parameter_type": "string", "allowed_values": ["incremental", "full"],
                          "value": "incremental"})
    assert has(found[8], {"parameter_type": "boolean", "value": "false", "yaml_path": "parameters[2]"})


def test_pipeline_resources_and_their_trigger_branches() -> None:
    found = by_line(PIPELINE)
    assert has(found[13], {"name": "web", "value": "web-ci", "source_project": "Contoso Web",
                           "trigger_branches": ["*"], "ref": None, "yaml_path": "resources.pipelines[0]"})
    assert has(found[17], {"name": "api", "value": "payments-ci", "ref": "refs/heads/main",
                           "trigger_branches": ["main", "release/*"], "source_project": None})
    assert found[23]["trigger_branches"] == []
    assert by_line("resources:\n  pipelines:\n  - pipeline: a\n    source: b\n")[3]["trigger_branches"] == []
    disabled = "resources:\n  pipelines:\n  - pipeline: a\n    source: b\n    trigger:\n      enabled: false\n"
    assert by_line(disabled)[3]["trigger_branches"] == []
    unfiltered = "resources:\n  pipelines:\n  - pipeline: a\n    source: b\n    trigger:\n      stages: [build]\n"
    assert by_line(unfiltered)[3]["trigger_branches"] == ["*"]


def test_variables_in_mapping_list_and_conditional_form() -> None:
    found = by_line(PIPELINE)
    assert has(found[31], {"name": "region", "value": "westeurope", "yaml_path": "variables.region"})
    assert has(found[33], {"name": "retention", "value": "30"})
    assert found[33]["yaml_path"] == "variables.${{ if eq(parameters.mode, 'full') }}.retention"
    assert has(found[40], {"name": "apiKey", "value": "$(secretApiKey)", "readonly": True, "stage": "build"})
    assert has(found[43], {"kind": "template", "value": "vars/common.yml"})  # a variable template, as before
    listed = by_line("variables:\n- ${{ if true }}:\n  - name: a\n    value: b\n")
    assert has(listed[3], {"kind": "variable", "name": "a", "value": "b"})


def test_step_env_condition_and_continue_on_error() -> None:
    found = by_line(PIPELINE)
    assert has(found[47], {"kind": "script", "condition": "always()", "continue_on_error": True,
                           "env": {"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}})
    assert has(found[52], {"task": "MicrosoftSecurityDevOps@1", "continue_on_error": None, "env": None})
    assert has(found[54], {"kind": "checkout", "clean": "true", "continue_on_error": False})
    assert has(found[56], {"kind": "stage", "name": "deploy", "condition": "succeededOrFailed()"})


def test_workspace_clean_of_jobs_and_container_options() -> None:
    found = by_line(PIPELINE)
    assert has(found[45], {"name": "test", "clean": "outputs"})  # the pipeline's workspace setting
    assert has(found[59], {"name": "web", "value": "deployment", "clean": "all", "environment": "prod-eu"})
    assert has(found[27], {"name": "dind", "options": "--privileged", "pinned": True})
    job_container = by_line("jobs:\n- job: a\n  container:\n    image: x@sha256:1\n    options: -v /a:/a\n")
    assert job_container[4]["options"] == "-v /a:/a"


def test_the_catalog_declares_every_new_column() -> None:
    columns = {c.name for c in RESOURCE_TYPES["pipeline_yaml_elements"].columns}
    assert {"env", "condition", "continue_on_error", "clean", "options", "parameter_type", "allowed_values",
            "readonly", "trigger_branches", "source_project"} <= columns
