"""Saved questions: every one parses, runs on the demo and returns rows where the demo holds them; parameters."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from resmo_pipeline.warehouse.access import read_connection
from resmo_pipeline.warehouse.saved_queries import (
    QUESTIONS_DIR,
    SavedQueryError,
    parse_saved_query,
    saved_queries,
)

from .conftest import run_cli

# The demo organization has none of these: no PAT lives longer than a year, every type is collected, and
# nothing is suppressed. Each still has to run.
EMPTY_ON_THE_DEMO = {"long_lived_pats", "not_collected", "suppressed_findings"}


@pytest.fixture(scope="module")
def demo_conn(demo_home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with read_connection(demo_home / "warehouse.duckdb") as conn:
        yield conn


def test_there_are_at_least_thirty_documented_questions() -> None:
    queries = saved_queries()
    assert len(queries) >= 30
    for query in queries.values():
        assert query.title.endswith(".") and len(query.title) <= 120, query.name
        assert query.path.parent == QUESTIONS_DIR


@pytest.mark.parametrize("name", sorted(saved_queries()))
def test_each_question_runs_on_the_demo(name: str, demo_conn: duckdb.DuckDBPyConnection) -> None:
    query = saved_queries()[name]
    rows = demo_conn.execute(query.sql, query.values() or None).fetchall()
    assert bool(rows) != (name in EMPTY_ON_THE_DEMO), f"{name}: {len(rows)} rows"


def test_questions_from_the_issue_answer_what_the_demo_holds(demo_home: Path) -> None:
    admins = run_cli(demo_home, "queries", "run", "collection_admins", "--format", "json")
    members = {row["member"] for row in json.loads(admins.stdout)}
    assert {"Alice Admin", "Eve Direct"} <= members

    open_to_all = run_cli(demo_home, "queries", "run", "service_connections_all_pipelines", "--format", "csv")
    assert {row["name"] for row in csv.DictReader(io.StringIO(open_to_all.stdout))} == {
        "legacy-azure-secret", "prod-azure-wif"}  # prod-azure-wif: the demo's change after the first sync

    pats = run_cli(demo_home, "queries", "run", "long_lived_pats", "--param", "days=300", "--format", "csv")
    assert [row["token"] for row in csv.DictReader(io.StringIO(pats.stdout))] == ["full-access-legacy"]

    project = run_cli(demo_home, "queries", "run", "project_findings", "--param", "project=Payments", "--format",
                      "json")
    assert project.returncode == 0 and json.loads(project.stdout)
    nothing = run_cli(demo_home, "queries", "run", "project_findings", "--param", "project=Nowhere", "--format",
                      "json")
    assert json.loads(nothing.stdout) == []


def test_parameters_are_checked(demo_home: Path) -> None:
    wrong_type = run_cli(demo_home, "queries", "run", "recent_changes", "--param", "hours=soon")
    assert wrong_type.returncode == 1 and "whole number" in wrong_type.stderr
    unknown = run_cli(demo_home, "queries", "run", "guests", "--param", "project=x")
    assert unknown.returncode == 1 and "no parameter project" in unknown.stderr
    missing = run_cli(demo_home, "queries", "run", "no_such_question")
    assert missing.returncode == 1 and "queries list" in missing.stderr


def test_list_and_show(demo_home: Path) -> None:
    listing = run_cli(demo_home, "queries", "list", "--format", "csv")
    names = [row["name"] for row in csv.DictReader(io.StringIO(listing.stdout))]
    assert names == sorted(saved_queries())
    shown = run_cli(demo_home, "queries", "show", "recent_changes")
    assert "--param hours=24" in shown.stdout and "FROM history.changes" in shown.stdout


def test_own_questions_directory(tmp_path: Path, demo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_repos.sql").write_text("-- My repositories.\n-- param like = %: a name pattern\n"
                                           "SELECT name FROM azure_devops.repositories WHERE name LIKE $like\n")
    monkeypatch.setenv("RESMO_QUERIES_DIR", str(tmp_path))
    assert saved_queries()["my_repos"].values({"like": "web%"}) == {"like": "web%"}
    with pytest.raises(SavedQueryError, match="first line"):
        parse_saved_query("SELECT 1", tmp_path / "bad.sql")
