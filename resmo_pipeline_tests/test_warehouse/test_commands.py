"""``resmo-pipeline sql`` through the real CLI entry point and the read path."""

import json
from pathlib import Path

import pytest

from resmo_pipeline import cli, settings
from resmo_pipeline.warehouse.access import write_connection


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(settings.RESMO_HOME_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture
def filled(home: Path) -> Path:
    with write_connection(settings.warehouse_path()) as conn:
        conn.execute("CREATE SCHEMA azure_devops")
        conn.execute(
            "CREATE TABLE azure_devops.repositories AS SELECT * FROM (VALUES "
            "('contoso', 'api', 10, TIMESTAMP '2026-11-28 10:00:00'), ('contoso', 'web', NULL, NULL)) "
            "t(organization, name, size, fetched_at)"
        )
    return home


QUERY = "SELECT name, size, fetched_at FROM azure_devops.repositories ORDER BY name"


def test_table_format_is_aligned_and_shows_nulls(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", QUERY]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "size", "fetched_at"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split() == ["api", "10", "2026-11-28", "10:00:00"]
    assert lines[3].split() == ["web", "NULL", "NULL"]


def test_csv_json_and_markdown_formats(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", QUERY, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["name,size,fetched_at", "api,10,2026-11-28 10:00:00", "web,,"]

    assert cli.main(["sql", QUERY, "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["size"]) for r in records] == [("api", 10), ("web", None)]
    assert records[0]["fetched_at"].startswith("2026-11-28T10:00:00")

    assert cli.main(["sql", QUERY, "--format", "markdown"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].replace(" ", "") == "|name|size|fetched_at|"
    assert lines[2].replace(" ", "").startswith("|api|10|")


def test_missing_warehouse_says_how_to_create_it(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", "SELECT 1"]) == 1
    error = capsys.readouterr().err
    assert "resmo-pipeline sync" in error and "make demo" in error


def test_wrong_sql_reports_duckdbs_message(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", "SELECT * FROM azure_devops.no_such_table"]) == 1
    error = capsys.readouterr().err
    assert "no_such_table" in error and "does not exist" in error

    assert cli.main(["sql", "DELETE FROM azure_devops.repositories"]) == 1
    assert "read-only" in capsys.readouterr().err
