"""The instance on PostgreSQL: RESMO_INSTANCE_DB without password, the password from its own variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from resmo_pipeline.instance import get_instance, prepare_dagster_home
from resmo_pipeline.services.instance_config import FALLBACK, TEMPLATE_PATH, InstanceConfigError
from resmo_pipeline.services.storage import InstanceStorageError, check_connection, postgres_db_config
from resmo_pipeline_tests.cli_support import cli_environment

from .conftest import PostgresServer

SECRET = "hunter2-do-not-write"


def written_config(home: Path) -> dict:
    return yaml.safe_load((home / "dagster" / "dagster.yaml").read_text())


def sqlite_files(folder: Path) -> list[Path]:
    """Files under ``folder`` that are SQLite databases (by their header, whatever their name)."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                if handle.read(16) == b"SQLite format 3\x00":
                    found.append(path)
    return found


def test_sqlite_stays_the_default(resmo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESMO_INSTANCE_DB", raising=False)
    prepare_dagster_home()
    assert written_config(resmo_home)["storage"] == {"sqlite": {"base_dir": str(resmo_home / "dagster" / "storage")}}


def test_a_postgres_url_names_the_password_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path))
    monkeypatch.setenv("RESMO_INSTANCE_DB", "postgresql://dagster%40corp@db.example:6543/dagster?sslmode=require")
    monkeypatch.setenv("RESMO_INSTANCE_DB_PASSWORD", SECRET)
    monkeypatch.setenv("RESMO_MAX_CONCURRENT_RUNS", "7")
    prepare_dagster_home()
    config = written_config(tmp_path)
    assert config["storage"] == {"postgres": {"postgres_db": {
        "username": "dagster@corp", "password": {"env": "RESMO_INSTANCE_DB_PASSWORD"}, "hostname": "db.example",
        "db_name": "dagster", "port": 6543, "scheme": "postgresql+psycopg2", "params": {"sslmode": "require"}}}}
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 7
    assert config["concurrency"]["runs"]["tag_concurrency_limits"][0]["key"] == "dagster/partition"
    assert SECRET not in (tmp_path / "dagster" / "dagster.yaml").read_text()


@pytest.mark.parametrize(("url", "expected"), [
    (f"postgresql://resmo:{SECRET}@127.0.0.1:5432/dagster", "put the password in the environment variable "
                                                           "RESMO_INSTANCE_DB_PASSWORD"),
    ("mysql://resmo@127.0.0.1/dagster", "must be a PostgreSQL URL"),
    ("postgresql://127.0.0.1:5432/dagster", "lacks the user name"),
    ("postgresql://resmo@127.0.0.1:5432", "lacks the database name"),
    ("postgresql://resmo@127.0.0.1:port/dagster", "invalid port"),
])
def test_unusable_urls_are_refused_with_the_fix(url: str, expected: str) -> None:
    with pytest.raises(InstanceStorageError) as caught:
        postgres_db_config(url)
    assert expected in str(caught.value)
    assert SECRET not in str(caught.value)


def test_the_password_variable_must_be_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path))
    monkeypatch.setenv("RESMO_INSTANCE_DB", "postgresql://resmo@127.0.0.1:5432/dagster")
    monkeypatch.delenv("RESMO_INSTANCE_DB_PASSWORD", raising=False)
    with pytest.raises(InstanceStorageError, match="RESMO_INSTANCE_DB_PASSWORD is not"):
        prepare_dagster_home()


def test_the_installed_fallback_matches_the_repository_template() -> None:
    assert yaml.safe_load(TEMPLATE_PATH.read_text()) == FALLBACK | {"storage": yaml.safe_load(
        TEMPLATE_PATH.read_text())["storage"]}


def test_a_bad_run_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path))
    monkeypatch.setenv("RESMO_MAX_CONCURRENT_RUNS", "0")
    with pytest.raises(InstanceConfigError, match="at least 1"):
        prepare_dagster_home()


def test_serve_refuses_a_url_with_a_password(tmp_path: Path) -> None:
    env = {**cli_environment(tmp_path), "RESMO_INSTANCE_DB": f"postgresql://resmo:{SECRET}@127.0.0.1:1/dagster"}
    completed = subprocess.run([sys.executable, "-m", "resmo_pipeline", "serve", "--port", "0"], env=env,
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "RESMO_INSTANCE_DB_PASSWORD" in completed.stderr
    assert SECRET not in completed.stdout + completed.stderr
    assert not (tmp_path / "dagster" / "dagster.yaml").exists() or SECRET not in (
        tmp_path / "dagster" / "dagster.yaml").read_text()


def test_partitions_and_runs_live_in_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer, instance_db: str
) -> None:
    home = tmp_path / "resmo"
    monkeypatch.setenv("RESMO_HOME", str(home))
    monkeypatch.setenv("RESMO_INSTANCE_DB", instance_db)
    monkeypatch.setenv("RESMO_INSTANCE_DB_PASSWORD", postgres_server.password)
    with get_instance() as instance:
        instance.add_dynamic_partitions("organizations", ["contoso", "fabrikam"])
    with get_instance() as instance:
        assert sorted(instance.get_dynamic_partitions("organizations")) == ["contoso", "fabrikam"]
    db = instance_db.rsplit("/", 1)[1]
    rows = postgres_server.execute("SELECT partition FROM dynamic_partitions ORDER BY partition", db=db)
    assert rows == [("contoso",), ("fabrikam",)]
    assert sqlite_files(home) == []
    assert not any(postgres_server.password in path.read_text(errors="replace")
                   for path in home.rglob("*") if path.is_file())


def test_a_wrong_password_is_named_before_dagster_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer, instance_db: str
) -> None:
    monkeypatch.setenv("RESMO_INSTANCE_DB", instance_db)
    monkeypatch.setenv("RESMO_INSTANCE_DB_PASSWORD", SECRET)
    with pytest.raises(InstanceStorageError, match="password authentication failed") as caught:
        check_connection()
    assert "RESMO_INSTANCE_DB_PASSWORD" in str(caught.value) and SECRET not in str(caught.value)
    monkeypatch.setenv("RESMO_INSTANCE_DB_PASSWORD", postgres_server.password)
    check_connection()
