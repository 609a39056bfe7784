"""Every hint the CLI prints is a command that can be pasted as it is."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from resmo_pipeline import hints


def test_the_console_script_by_its_path_when_it_is_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # resmo-pipeline is not found
    monkeypatch.delenv("RESMO_HOME", raising=False)
    hint = hints.command("sql", "select name from azure_devops.projects")
    program, *args = shlex.split(hint)
    assert Path(program).absolute() == Path(sys.executable).parent / "resmo-pipeline"
    assert args[-2:] == ["sql", "select name from azure_devops.projects"]


def test_the_plain_name_when_it_is_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hints, "program", lambda: "resmo-pipeline")
    monkeypatch.chdir(Path.cwd())
    monkeypatch.delenv("RESMO_HOME", raising=False)
    assert hints.command("sync", "contoso") == "resmo-pipeline sync contoso"


def test_a_non_default_home_is_part_of_the_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hints, "program", lambda: "resmo-pipeline")
    monkeypatch.setenv("RESMO_HOME", str(tmp_path / "demo home"))
    assert shlex.split(hints.command("queries", "list")) == [
        f"RESMO_HOME={tmp_path / 'demo home'}", "resmo-pipeline", "queries", "list"]
