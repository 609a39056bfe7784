"""The official `azure-devops` Python client reads pipeline runs, task groups and the YAML files pipelines run
from the simulator, finding each route through OPTIONS location discovery (same fixtures as
test_official_client.py). Results are compared with the simulator's own data model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from resmo_pipeline.simulator import Simulator
from resmo_pipeline.simulator.routes_builds import moment


def project_ids(simulator: Simulator) -> list[str]:
    return [p["id"] for p in simulator.state.projects if p["state"] == "wellFormed"]


def newest_first(runs: list[dict[str, Any]], field: str) -> list[int]:
    """Run ids ordered as the `<field>Descending` query orders return them."""
    return [r["id"] for r in sorted(runs, key=lambda r: (moment(r[field]), r["id"]), reverse=True)]


def busiest_project(simulator: Simulator) -> str:
    runs = simulator.state.build_runs
    return max(project_ids(simulator), key=lambda p: len(runs.get(p, [])))


def test_builds_of_every_project(connection: Any, simulator: Simulator) -> None:
    build = connection.clients_v7_1.get_build_client()
    for project_id in project_ids(simulator):
        runs = build.get_builds(project_id, query_order="queueTimeDescending")
        expected = simulator.state.build_runs.get(project_id, [])
        assert [r.id for r in runs] == newest_first(expected, "queueTime")
        by_id = {r["id"]: r for r in expected}
        for run in runs:
            stored = by_id[run.id]
            assert (run.build_number, run.status, run.result, run.reason) == (
                stored["buildNumber"], stored["status"], stored.get("result"), stored["reason"])
            assert run.definition.id == stored["definition"]["id"]
            assert run.definition.name == stored["definition"]["name"]
            assert run.project.id == project_id
            assert run.source_branch == stored["sourceBranch"]
            assert run.queue_time == moment(stored["queueTime"])
    assert sum(len(r) for r in simulator.state.build_runs.values()) > 0


def test_builds_min_time_on_finish_time(connection: Any, simulator: Simulator) -> None:
    """A finish-time order filters on finishTime: unfinished runs and runs finished before minTime are left out."""
    build = connection.clients_v7_1.get_build_client()
    project_id = busiest_project(simulator)
    finished = [r for r in simulator.state.build_runs[project_id] if r.get("finishTime")]
    stamps = sorted(moment(r["finishTime"]) for r in finished)
    cut: datetime = stamps[len(stamps) // 2]
    runs = build.get_builds(project_id, min_time=cut, query_order="finishTimeDescending")
    expected = [r for r in finished if moment(r["finishTime"]) >= cut]
    assert [r.id for r in runs] == newest_first(expected, "finishTime")
    assert 0 < len(runs) < len(simulator.state.build_runs[project_id])
    assert all(r.finish_time >= cut for r in runs)


@pytest.mark.parametrize(("parameter", "field"), [("reason_filter", "reason"), ("status_filter", "status"),
                                                  ("result_filter", "result")])
def test_builds_filters(connection: Any, simulator: Simulator, parameter: str, field: str) -> None:
    build = connection.clients_v7_1.get_build_client()
    seen = 0
    for project_id in project_ids(simulator):
        stored = simulator.state.build_runs.get(project_id, [])
        for value in sorted({r[field] for r in stored if r.get(field)}):
            runs = build.get_builds(project_id, query_order="queueTimeDescending", **{parameter: value})
            assert [r.id for r in runs] == newest_first([r for r in stored if r.get(field) == value], "queueTime")
            seen += 1
    assert seen >= 3


def test_builds_page_with_continuation_tokens(connection: Any, simulator: Simulator,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`top` pages through the runs; the SDK drops the x-ms-continuationtoken header, so the test reads it from
    the response the client received."""
    build = connection.clients_v7_1.get_build_client()
    tokens: list[str | None] = []
    send = build._send

    def recording_send(*args: Any, **kwargs: Any) -> Any:
        response = send(*args, **kwargs)
        tokens.append(build._get_continuation_token(response))
        return response

    monkeypatch.setattr(build, "_send", recording_send)
    project_id = busiest_project(simulator)
    pages: list[list[int]] = []
    token: str | None = None
    while True:
        page = build.get_builds(project_id, top=5, continuation_token=token, query_order="queueTimeDescending")
        pages.append([r.id for r in page])
        token = tokens[-1]
        if not token:
            break
        assert len(pages) < 20, "paging must end"
    expected = newest_first(simulator.state.build_runs[project_id], "queueTime")
    assert len(expected) > 10
    assert [i for page in pages for i in page] == expected
    assert [len(p) for p in pages[:-1]] == [5] * (len(pages) - 1)
    assert len(pages) == -(-len(expected) // 5)


def test_task_groups(connection: Any, simulator: Simulator) -> None:
    agent = connection.clients_v7_1.get_task_agent_client()
    seen = 0
    for project_id in project_ids(simulator):
        groups = agent.get_task_groups(project_id)
        expected = [g for g in simulator.state.task_groups.get(project_id, []) if not g.get("deleted")]
        assert sorted((g.id, g.name) for g in groups) == sorted((g["id"], g["name"]) for g in expected)
        by_id = {g["id"]: g for g in expected}
        for group in groups:
            stored = by_id[group.id]
            assert group.revision == stored["revision"]
            assert [t.task.id for t in group.tasks] == [t["task"]["id"] for t in stored["tasks"]]
            assert [t.display_name for t in group.tasks] == [t["displayName"] for t in stored["tasks"]]
        seen += len(groups)
    assert seen == sum(not g.get("deleted") for gs in simulator.state.task_groups.values() for g in gs) > 0


def yaml_pipelines(simulator: Simulator) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(YAML build definition, its repository) for every YAML pipeline on a TfsGit repository."""
    state = simulator.state
    found = []
    for definitions in state.build_definitions.values():
        for definition in definitions:
            filename = (definition.get("process") or {}).get("yamlFilename")
            repository = state.repository((definition.get("repository") or {}).get("id") or "")
            if filename and repository is not None:
                found.append((definition, repository))
    return found


def test_pipeline_yaml_files(connection: Any, simulator: Simulator) -> None:
    """Each YAML pipeline's file at its repository's default branch, as pipeline_yaml_files reads it."""
    from azure.devops.exceptions import AzureDevOpsServiceError
    from azure.devops.v7_1.git.models import GitVersionDescriptor

    git = connection.clients_v7_1.get_git_client()
    read, refused = 0, {"GitItemNotFoundException": 0, "GitNeedsPermissionException": 0}
    for definition, repository in yaml_pipelines(simulator):
        path = definition["process"]["yamlFilename"]
        branch = repository["defaultBranch"].removeprefix("refs/heads/")
        stored = simulator.state.pipeline_files.get((repository["id"], path.lower()))
        version = GitVersionDescriptor(version=branch, version_type="branch")
        if stored is None or stored.get("_denied"):
            # A file that is missing (404) or the token may not read (403): pipeline_yaml_files' read_error rows.
            with pytest.raises(AzureDevOpsServiceError) as error:
                git.get_item(repository["id"], path, repository["project"]["id"], version_descriptor=version,
                             include_content=True)
            assert error.value.type_key == ("GitItemNotFoundException" if stored is None
                                            else "GitNeedsPermissionException")
            refused[error.value.type_key] += 1
            continue
        item = git.get_item(repository["id"], path, repository["project"]["id"], version_descriptor=version,
                            include_content=True)
        assert item.path == stored["path"]
        assert item.object_id == stored["objectId"]
        assert item.git_object_type == "blob"
        assert item.content == stored["content"]
        ref = next(r for r in simulator.state.refs[repository["id"]] if r["name"] == repository["defaultBranch"])
        assert item.commit_id == (stored["commitId"] or ref["objectId"])
        read += 1
    assert read >= 3
    assert refused == {"GitItemNotFoundException": 1, "GitNeedsPermissionException": 1}
    definition, repository = yaml_pipelines(simulator)[0]
    bare = git.get_item(repository["id"], definition["process"]["yamlFilename"], repository["project"]["id"])
    assert bare.content is None, "content only with includeContent=true"


def test_missing_yaml_file_is_a_service_error(connection: Any, simulator: Simulator) -> None:
    from azure.devops.exceptions import AzureDevOpsServiceError

    git = connection.clients_v7_1.get_git_client()
    _, repository = yaml_pipelines(simulator)[0]
    with pytest.raises(AzureDevOpsServiceError) as missing:
        git.get_item(repository["id"], "/does/not/exist.yml", repository["project"]["id"], include_content=True)
    assert missing.value.type_key == "GitItemNotFoundException"  # the 404 the service answers
    assert "TF401174" in missing.value.message
    assert "/does/not/exist.yml" in missing.value.message


def test_the_routes_were_found_through_discovery(connection: Any, simulator: Simulator) -> None:
    project_id = busiest_project(simulator)
    connection.clients_v7_1.get_build_client().get_builds(project_id, top=1)
    connection.clients_v7_1.get_task_agent_client().get_task_groups(project_id)
    definition, repository = yaml_pipelines(simulator)[0]
    connection.clients_v7_1.get_git_client().get_item(repository["id"], definition["process"]["yamlFilename"],
                                                      repository["project"]["id"])
    routes = simulator.stats()["routes"]
    assert routes["GET dev.azure.com/{project}/_apis/build/builds"]["requests"] >= 1
    assert routes["GET dev.azure.com/{project}/_apis/git/repositories/{repositoryId}/items"]["requests"] >= 1
    assert routes["GET dev.azure.com/{project}/_apis/distributedtask/taskgroups"]["requests"] >= 1
    assert routes["OPTIONS dev.azure.com/_apis"]["requests"] >= 1
