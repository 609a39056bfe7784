"""The official `azure-devops` Python client reads pull requests (per repository and per project), team boards
and delivery plans from the simulator, finding each route through OPTIONS location discovery (same fixtures as
test_official_client.py). Results are compared with the simulator's own data model.

Advanced Security enablement has no method in the SDK, so it is not read here."""

from __future__ import annotations

from typing import Any

import pytest

from resmo_pipeline.simulator import Simulator


def project_ids(simulator: Simulator) -> list[str]:
    return [p["id"] for p in simulator.state.projects if p["state"] == "wellFormed"]


def stored_pull_requests(simulator: Simulator, project_id: str, status: str,
                         repository_id: str | None = None) -> list[int]:
    """Ids of the stored pull requests the search returns, newest first."""
    return sorted((pr["pullRequestId"] for pr in simulator.state.pull_requests.get(project_id, [])
                   if status in ("all", pr["status"])
                   and (repository_id is None or pr["repository"]["id"] == repository_id)), reverse=True)


def criteria(status: str | None) -> Any:
    from azure.devops.v7_1.git.models import GitPullRequestSearchCriteria

    return GitPullRequestSearchCriteria(status=status)


@pytest.mark.parametrize("status", ["active", "completed", "abandoned", "all"])
def test_pull_requests_by_project(connection: Any, simulator: Simulator, status: str) -> None:
    git = connection.clients_v7_1.get_git_client()
    found = 0
    for project_id in project_ids(simulator):
        pulls = git.get_pull_requests_by_project(project_id, criteria(status))
        assert [p.pull_request_id for p in pulls] == stored_pull_requests(simulator, project_id, status)
        assert all(p.repository.project.id == project_id for p in pulls)
        found += len(pulls)
    assert found >= 1


def test_pull_requests_default_to_active(connection: Any, simulator: Simulator) -> None:
    git = connection.clients_v7_1.get_git_client()
    for project_id in project_ids(simulator):
        pulls = git.get_pull_requests_by_project(project_id, criteria(None))
        assert [p.pull_request_id for p in pulls] == stored_pull_requests(simulator, project_id, "active")


def test_pull_requests_of_a_repository(connection: Any, simulator: Simulator) -> None:
    git = connection.clients_v7_1.get_git_client()
    repositories = {(pr["repository"]["id"], pr["repository"]["project"]["id"])
                    for prs in simulator.state.pull_requests.values() for pr in prs}
    assert len(repositories) >= 2
    for repository_id, project_id in sorted(repositories):
        for status in ("active", "completed", "all"):
            pulls = git.get_pull_requests(repository_id, criteria(status), project=project_id)
            assert [p.pull_request_id for p in pulls] == stored_pull_requests(
                simulator, project_id, status, repository_id)
            assert {p.repository.id for p in pulls} <= {repository_id}
    # Paging: $top/$skip windows of the newest-first listing.
    repository_id, project_id = sorted(repositories)[0]
    every = stored_pull_requests(simulator, project_id, "all", repository_id)
    assert len(every) >= 2
    first = git.get_pull_requests(repository_id, criteria("all"), project=project_id, top=1)
    rest = git.get_pull_requests(repository_id, criteria("all"), project=project_id, top=100, skip=1)
    assert [p.pull_request_id for p in first + rest] == every


def test_pull_requests_of_an_unknown_repository(connection: Any, simulator: Simulator) -> None:
    from azure.devops.exceptions import AzureDevOpsServiceError

    git = connection.clients_v7_1.get_git_client()
    with pytest.raises(AzureDevOpsServiceError) as missing:
        git.get_pull_requests("no-such-repository", criteria("all"), project=project_ids(simulator)[0])
    assert missing.value.type_key == "GitRepositoryNotFoundException"


def test_reviewers_votes_auto_complete_and_completion_options(connection: Any, simulator: Simulator) -> None:
    git = connection.clients_v7_1.get_git_client()
    stored = {pr["pullRequestId"]: pr for prs in simulator.state.pull_requests.values() for pr in prs}
    pulls = [p for project_id in project_ids(simulator)
             for p in git.get_pull_requests_by_project(project_id, criteria("all"))]
    assert sorted(p.pull_request_id for p in pulls) == sorted(stored)
    options_seen = auto_complete_seen = bypass_seen = 0
    for pull in pulls:
        pr = stored[pull.pull_request_id]
        assert (pull.status, pull.is_draft, pull.source_ref_name, pull.target_ref_name) == (
            pr["status"], pr.get("isDraft"), pr["sourceRefName"], pr["targetRefName"])
        assert pull.created_by.id == pr["createdBy"]["id"]
        assert [(r.id, r.vote, r.is_required) for r in pull.reviewers] == [
            (r["id"], r["vote"], r.get("isRequired")) for r in pr["reviewers"]]
        setter = pr.get("autoCompleteSetBy")
        if setter:
            assert pull.auto_complete_set_by.id == setter["id"]
            assert pull.auto_complete_set_by.display_name == setter["displayName"]
            auto_complete_seen += 1
        else:
            assert pull.auto_complete_set_by is None
        options = pr.get("completionOptions")
        if options:
            got = pull.completion_options
            assert (got.merge_strategy, got.bypass_policy, got.bypass_reason, got.delete_source_branch,
                    got.squash_merge) == (options.get("mergeStrategy"), options.get("bypassPolicy"),
                                          options.get("bypassReason"), options.get("deleteSourceBranch"),
                                          options.get("squashMerge"))
            options_seen += 1
            bypass_seen += bool(got.bypass_policy)
        else:
            assert pull.completion_options is None
    votes = {r.vote for p in pulls for r in p.reviewers}
    assert votes >= {10, 5, 0, -5, -10}, "every vote value is represented"
    assert options_seen >= 2 and auto_complete_seen >= 1 and bypass_seen >= 1


def test_boards_of_every_team(connection: Any, simulator: Simulator) -> None:
    from azure.devops.v7_1.work.models import TeamContext

    work = connection.clients_v7_1.get_work_client()
    state = simulator.state
    seen = 0
    for project in state.projects:
        if project["state"] != "wellFormed":
            continue
        for team in state.teams.get(project["id"], []):
            boards = work.get_boards(TeamContext(project=project["name"], team=team["name"]))
            expected = state.boards.get(team["id"], [])
            assert [(b.id, b.name, b.url) for b in boards] == [(b["id"], b["name"], b["url"]) for b in expected]
            seen += len(boards)
    assert seen == sum(len(b) for b in state.boards.values()) > 0


def test_delivery_plans(connection: Any, simulator: Simulator) -> None:
    work = connection.clients_v7_1.get_work_client()
    state = simulator.state
    seen = 0
    for project_id in project_ids(simulator):
        plans = work.get_plans(project_id)
        expected = state.delivery_plans.get(project_id, [])
        assert sorted((p.id, p.name, p.type) for p in plans) == sorted(
            (p["id"], p["name"], p["type"]) for p in expected)
        by_id = {p["id"]: p for p in expected}
        for plan in plans:
            assert plan.revision == by_id[plan.id]["revision"]
            assert plan.created_by_identity.id == by_id[plan.id]["createdByIdentity"]["id"]
            assert plan.properties is None, "the listing leaves out the plan's teams"
        seen += len(plans)
    assert seen == sum(len(p) for p in state.delivery_plans.values()) > 0


def test_the_routes_were_found_through_discovery(connection: Any, simulator: Simulator) -> None:
    from azure.devops.v7_1.work.models import TeamContext

    project = next(p for p in simulator.state.projects if simulator.state.pull_requests.get(p["id"]))
    pr = simulator.state.pull_requests[project["id"]][0]
    git = connection.clients_v7_1.get_git_client()
    git.get_pull_requests(pr["repository"]["id"], criteria("all"), project=project["id"])
    git.get_pull_requests_by_project(project["id"], criteria("all"))
    work = connection.clients_v7_1.get_work_client()
    work.get_boards(TeamContext(project=project["name"], team=simulator.state.teams[project["id"]][0]["name"]))
    work.get_plans(project["id"])
    routes = simulator.stats()["routes"]
    assert routes["GET dev.azure.com/{project}/_apis/git/pullrequests"]["requests"] >= 1
    assert routes["GET dev.azure.com/{project}/_apis/git/repositories/{repositoryId}/pullrequests"]["requests"] >= 1
    assert routes["GET dev.azure.com/{project}/{team}/_apis/work/boards"]["requests"] >= 1
    assert routes["GET dev.azure.com/{project}/_apis/work/plans"]["requests"] >= 1
    assert routes["OPTIONS dev.azure.com/_apis"]["requests"] >= 1
    assert routes["GET dev.azure.com/_apis/ResourceAreas"]["requests"] >= 1
