"""Exact syncs: `sync ORG --types` reads the named types and their parents, nothing else; dependents on request.

The requests are counted by the simulator, the side that answers them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from resmo_pipeline import cli
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.commands import sync
from resmo_pipeline.inventory.selection import select_types

PAT_ENV = "RESMO_TEST_CLI_SYNC_PAT"


@pytest.fixture
def organization(resmo_home: Path, simulator: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session simulator's organization, connected in a fresh RESMO_HOME."""
    monkeypatch.setenv(PAT_ENV, simulator.pat)
    Registry().add(Integration(name=simulator.organization, base_url=simulator.base_url, pat_env=PAT_ENV))
    return simulator.organization.lower()


def served(simulator: Any, run: Any) -> tuple[Any, int]:
    """What ``run()`` returned, and how many requests the simulator answered meanwhile."""
    before = simulator.stats()["requests"]
    result = run()
    return result, simulator.stats()["requests"] - before


def test_types_read_exactly_the_named_types_and_their_parents(
    organization: str, simulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # team_members are read per team, branches per repository, pipeline runs per project.
    types = "team_members,branches,pipeline_runs"
    code, requests = served(simulator, lambda: cli.main(["sync", organization, "--types", types]))

    out = capsys.readouterr().out
    assert code == 0, out
    read = [line.split()[1] for line in out.splitlines() if line.startswith("[")]
    assert sorted(read) == ["branches", "pipeline_runs", "projects", "repositories", "team_members", "teams"]
    assert ("Also read: projects (parent of pipeline_runs); teams (parent of team_members); "
            "repositories (parent of branches)") in out
    counted = int(next(line for line in out.splitlines() if line.startswith(organization)).split()[6])
    assert requests == counted  # every request the service answered belongs to one of those four types


def test_with_dependents_adds_the_types_read_per_row_of_them(organization: str, simulator: Any) -> None:
    lines: list[str] = []
    [exact], exact_requests = served(simulator, lambda: sync([organization], ["repositories"], printer=lines.append))
    [wide], wide_requests = served(simulator, lambda: sync(
        [organization], ["repositories"], printer=lines.append, with_dependents=True))

    assert exact.collected == ["repositories"] and exact.extra == {}
    dependents = {name for name, t in RESOURCE_TYPES.items() if "repositories" in t.parents}
    assert dependents and dependents <= set(wide.collected) | set(wide.not_collected) | set(wide.unavailable)
    assert set(wide.extra) >= dependents and wide.extra["branches"] == "read per row of repositories"
    assert wide_requests > exact_requests == exact.requests


def test_unknown_types_are_refused_before_anything_is_read(
    organization: str, simulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, requests = served(simulator, lambda: cli.main(["sync", organization, "--types", "teams,no_such_type"]))
    assert code == 2 and requests == 0
    assert "no_such_type" in capsys.readouterr().out


def test_selection_explains_each_extra_type() -> None:
    selection = select_types(["pipeline_yaml_elements"])
    assert selection.names[-1] == "pipeline_yaml_elements"
    assert selection.extra["pipeline_yaml_files"] == "parent of pipeline_yaml_elements"
    assert all(why.startswith("parent of") for why in selection.extra.values())

    widened = select_types(["pipeline_yaml_files"], with_dependents=True)
    assert widened.extra["pipeline_yaml_elements"] == "computed from pipeline_yaml_files"
    assert select_types(["pipeline_yaml_files"], with_parents=False).names == ["pipeline_yaml_files"]
