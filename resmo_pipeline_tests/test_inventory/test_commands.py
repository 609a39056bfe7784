"""`resmo-pipeline sync`: runs through the persistent instance under RESMO_HOME, progress per type, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from resmo_pipeline import cli
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.compliance.coverage import builtin_coverage
from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory.commands import sync
from resmo_pipeline.warehouse import read_connection

# A cheap organization-wide type nothing is computed from, so `--types` selects exactly it.
LEAF = next(
    name
    for name, resource_type in RESOURCE_TYPES.items()
    if resource_type.scope == "organization"
    and resource_type.fetch is None
    and not any(name in other.parents for other in RESOURCE_TYPES.values())
)
PAT_ENV = "RESMO_TEST_SYNC_PAT"


@pytest.fixture
def installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_sim: Any) -> Registry:
    """RESMO_HOME in tmp_path with the demo organization connected through a PAT in an env variable."""
    home = tmp_path / "resmo"
    monkeypatch.setenv("RESMO_HOME", str(home))
    # get_instance() points DAGSTER_HOME into RESMO_HOME; monkeypatch restores the variable afterwards.
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv(PAT_ENV, demo_sim.pat)
    registry = Registry(home / "integrations.json")
    registry.add(Integration(name=demo_sim.organization, base_url=demo_sim.base_url, pat_env=PAT_ENV))
    return registry


def test_sync_prints_progress_and_records_the_run_in_the_persistent_instance(
    installation: Registry, demo_sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    organization = demo_sim.organization.lower()

    code = cli.main(["sync", organization, "--types", LEAF])

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"[1/1] {LEAF} ... " in out
    assert " rows, " in out and " requests, " in out
    with get_instance() as instance:
        runs = instance.get_runs()
        assert [run.tags.get("dagster/partition") for run in runs] == [organization]
        assert runs[0].status == dg.DagsterRunStatus.SUCCESS
    with read_connection(installation.path.parent / "warehouse.duckdb") as conn:
        assert conn.execute(f"select count(*) from azure_devops.{LEAF}").fetchall()[0][0] > 0
        # the coverage of the loaded rules is stored with every sync
        implemented = conn.execute(
            "select count(*) from compliance.coverage where framework = 'adoscanner' and status = 'implemented'"
        ).fetchall()[0][0]
        assert implemented == builtin_coverage().summary("adoscanner")[0].implemented
    assert installation.get(organization).last_sync_status == "success"


def test_sync_reports_a_type_the_pat_may_not_read(installation: Registry, demo_sim: Any, monkeypatch) -> None:
    monkeypatch.setenv(PAT_ENV, demo_sim.issue_pat(scopes=("vso.profile",)))
    lines: list[str] = []

    [result] = sync([demo_sim.organization], types=[LEAF], printer=lines.append)

    assert result.success
    assert result.not_collected == {LEAF: RESOURCE_TYPES[LEAF].required_scope}
    assert any("not collected" in line for line in lines)


def test_sync_exits_non_zero_when_a_run_fails(
    installation: Registry, demo_sim: Any, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PAT_ENV, "not-a-valid-pat")

    code = cli.main(["sync", "--types", LEAF])

    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED" in out
    assert "not-a-valid-pat" not in out


def test_sync_refuses_unknown_organizations_and_types(
    installation: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sync", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().out
    assert cli.main(["sync", "--types", "no_such_type"]) == 2
    assert "no_such_type" in capsys.readouterr().out
