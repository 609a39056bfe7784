"""Pipeline activity against the simulated organization over HTTP: pipeline runs (first sync and incremental),
the YAML files of YAML pipelines (read errors become rows), task groups and environment deployments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import requests

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential, PermissionDeniedError
from resmo_pipeline.catalog import RESOURCE_TYPES, FetchContext
from resmo_pipeline.catalog.builds import RUNS_DAYS_ENV, runs_window_days
from resmo_pipeline.inventory.collect import CollectionResult, collect, collect_all
from resmo_pipeline.inventory.rows import parse_timestamp
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.routes_builds import moment

TYPES = ["pipeline_runs", "pipeline_yaml_files", "task_groups", "environment_deployments"]


@pytest.fixture(scope="module")
def client(simulator: Simulator) -> Iterator[AzureDevOpsClient]:
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url,
                           concurrency=4) as api:
        yield api


@pytest.fixture(scope="module")
def results(client: AzureDevOpsClient) -> dict[str, CollectionResult]:
    return collect_all(client, TYPES)


def _runs(state: Any) -> list[dict[str, Any]]:
    return [r for runs in state.build_runs.values() for r in runs]


def test_every_new_type_has_rows_and_its_columns(results: dict[str, CollectionResult]) -> None:
    for name in TYPES:
        result = results[name]
        assert list(result.rows.columns) == RESOURCE_TYPES[name].column_names, name
        assert len(result.rows) > 0 and result.rows["resource_id"].is_unique, name
        assert result.requests > 0 and not result.warnings, name


def test_first_sync_reads_the_window_and_the_unfinished_runs(results: dict[str, CollectionResult],
                                                              simulator: Simulator) -> None:
    state = simulator.state
    rows = results["pipeline_runs"].rows
    cutoff = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=runs_window_days())
    expected = {r["id"] for r in _runs(state)
                if r["status"] != "completed" or moment(r["finishTime"]) >= cutoff}
    assert set(rows["id"]) == expected
    assert any(moment(r.get("finishTime")) and moment(r["finishTime"]) < cutoff for r in _runs(state)), \
        "the demo has a run outside the window"
    running = rows[rows["status"] == "inProgress"]
    assert len(running) >= 1 and running["finish_time"].isna().all() and running["result"].isna().all()


def test_run_columns(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    rows = results["pipeline_runs"].rows.set_index("id")
    pr = rows[rows["reason"] == "pullRequest"].iloc[0]
    assert pr["pull_request_id"] == 42 and pr["source_branch"] == "refs/pull/42/merge"
    assert pr["definition_name"] == "web-ci" and pr["repository_type"] == "TfsGit"
    assert pr["requested_by"].startswith("00000002-0000-8888-8000-000000000000")  # the service queued it
    manual = rows[rows["reason"] == "manual"]
    assert (manual["requested_by"] == manual["requested_for"]).all() and len(manual) > 0
    assert set(rows["reason"]) >= {"individualCI", "schedule", "manual", "pullRequest"}
    run = next(r for r in simulator.state.build_runs[pr["project_id"]] if r["id"] == pr.name)
    assert pr["requested_for"] == run["requestedFor"]["uniqueName"]
    assert pr["finish_time"] == parse_timestamp(run["finishTime"]) and pr["queue_time"] < pr["finish_time"]
    assert pr["source_version"] == run["sourceVersion"] and pr["definition_id"] == run["definition"]["id"]


def test_the_window_is_configurable(monkeypatch: pytest.MonkeyPatch, client: AzureDevOpsClient,
                                    results: dict[str, CollectionResult]) -> None:
    monkeypatch.setenv(RUNS_DAYS_ENV, "60")
    wider = collect("pipeline_runs", client, {"projects": results["projects"].parent_rows()})
    assert len(wider.rows) == len(results["pipeline_runs"].rows) + 1  # the 45-day-old run
    monkeypatch.setenv(RUNS_DAYS_ENV, "soon")
    with pytest.raises(ValueError, match=RUNS_DAYS_ENV):
        runs_window_days()


def test_yaml_files_match_what_the_repository_serves(results: dict[str, CollectionResult],
                                                      simulator: Simulator) -> None:
    state = simulator.state
    rows = results["pipeline_yaml_files"].rows.set_index("definition_name")
    yaml_definitions = {d["name"]: d for defs in state.build_definitions.values() for d in defs
                        if d["process"]["type"] == 2 and d["repository"].get("type", "TfsGit") == "TfsGit"}
    assert set(rows.index) == set(yaml_definitions)  # YAML on GitHub (web-docs-ci) is not read from Azure Repos
    assert "legacy-nightly" not in rows.index  # classic pipeline: no YAML file
    for name, row in rows.iterrows():
        definition = yaml_definitions[name]
        stored = state.pipeline_files.get((definition["repository"]["id"], definition["process"]["yamlFilename"]))
        if stored is None or stored["_denied"]:
            assert row["read_error"] and pd.isna(row["content"]), name
            continue
        assert row["content"] == stored["content"] and row["object_id"] == stored["objectId"], name
        assert row["commit_id"] == stored["commitId"] and pd.isna(row["read_error"]), name
        assert row["path"] == "/" + definition["process"]["yamlFilename"].lstrip("/"), name
        assert row["definition_id"] == definition["id"]
    web = rows.loc["web-ci"]
    assert "persistCredentials: true" in web["content"] and "$(Build.SourceBranchName)" in web["content"]
    assert rows.loc["web-legacy-ci", "branch"] == "master"  # the repository's default branch
    assert "TF401174" in rows.loc["shared-templates-validate", "read_error"]  # missing: 404
    assert "TF401027" in rows.loc["oss-cli-ci", "read_error"]  # no Git Read permission: 403


def test_a_token_without_code_scope_is_refused_for_the_whole_type(simulator: Simulator,
                                                                  results: dict[str, CollectionResult]) -> None:
    pat = simulator.issue_pat(["vso.build", "vso.project"])
    parents = {"build_definitions": results["build_definitions"].parent_rows(), "repositories": []}
    with (AzureDevOpsClient(simulator.organization, PatCredential(pat), base_url=simulator.base_url) as api,
          pytest.raises(PermissionDeniedError)):
        collect("pipeline_yaml_files", api, parents)


def test_task_groups(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    rows = results["task_groups"].rows
    stored = {g["id"]: g for groups in simulator.state.task_groups.values() for g in groups}
    assert set(rows["id"]) == set(stored)
    row = rows.iloc[0]
    group = stored[row["id"]]
    assert row["name"] == group["name"] and row["category"] == group["category"]
    assert row["version"] == "1.0.0" and row["task_count"] == 2 and row["revision"] == group["revision"]
    assert row["created_by"] == group["createdBy"]["uniqueName"] and '"target"' in row["inputs"]


def test_environment_deployments(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    state = simulator.state
    rows = results["environment_deployments"].rows
    records = [r for found in state.environment_deployment_records.values() for r in found]
    assert sorted(rows["id"]) == sorted(r["id"] for r in records)
    run_ids = {r["id"] for r in _runs(state)}
    assert set(rows["owner_id"]) <= run_ids
    environments = {e["id"]: e["name"] for envs in state.environments.values() for e in envs}
    assert all(environments[row.environment_id] == row.environment_name for row in rows.itertuples())
    assert set(rows["stage_name"]) == {"deploy"} and rows["definition_name"].notna().all()


# ---- incremental runs, on an organization of its own (the test adds runs) -----------------------------------


@pytest.fixture(scope="module")
def own_sim() -> Iterator[Simulator]:
    with run_simulator(preset="demo", organization="contoso", seed=7) as sim:
        yield sim


def change(sim: Simulator, **body: Any) -> dict[str, Any]:
    response = requests.post(f"{sim.admin_url}/changes", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_incremental_runs_read_only_newer_runs_and_replace_finished_ones(own_sim: Simulator) -> None:
    with AzureDevOpsClient(own_sim.organization, PatCredential(own_sim.pat), base_url=own_sim.base_url) as api:
        first = collect_all(api, ["pipeline_runs"])
        projects = {"projects": first["projects"].parent_rows()}
        stored = first["pipeline_runs"].rows
        newest = stored["finish_time"].max()
        running = stored[stored["status"] == "inProgress"].iloc[0]

        rt = RESOURCE_TYPES["pipeline_runs"]
        fc = FetchContext(resource_type=rt, client=api, parent_rows=projects, since=newest)
        served = rt.fetch(fc)  # what the API answered, before any filtering
        finished_served = [item for item, _ in served if item["status"] == "completed"]
        # minTime is inclusive: only the newest stored run itself comes back (and is dropped), nothing older.
        assert [parse_timestamp(item["finishTime"]) for item in finished_served] == [newest]
        assert len(served) - len(finished_served) == (stored["status"] == "inProgress").sum()
        again = collect(rt, api, projects, since=newest)
        live_projects = sum(p["state"] == "wellFormed" for p in own_sim.state.projects)
        assert again.requests == 2 * live_projects
        assert set(again.rows["status"]) == {"inProgress"}

        added = change(own_sim, action="queue_pipeline_run", project=running["project_name"],
                       definition="web-ci")
        change(own_sim, action="finish_pipeline_run", project=running["project_name"], run=str(running["id"]),
               result="failed")
        later = collect(rt, api, projects, since=newest).rows.set_index("id")
        assert added["id"] in later.index and later.loc[added["id"], "status"] == "completed"
        finished = later.loc[running["id"]]
        assert finished["status"] == "completed" and finished["result"] == "failed"
        # Same key as the stored in-progress row: the warehouse's append replaces it (key_columns resource_id).
        assert finished["resource_id"] == running["resource_id"]
        assert (later["status"] == "completed").sum() == 2
