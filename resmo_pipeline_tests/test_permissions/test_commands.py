"""`who-can` and `access-of` on a hand-built warehouse under RESMO_HOME, read through the read copy."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from resmo_pipeline.permissions import commands
from resmo_pipeline_tests.test_permissions.conftest import (
    BYPASS,
    CONTRIBUTE,
    REPO_TOKEN,
    Scenario,
    branch,
    group,
    user,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scenario:
    monkeypatch.setenv("RESMO_HOME", str(tmp_path))
    scenario = Scenario(tmp_path / "warehouse.duckdb")
    scenario.ace(REPO_TOKEN, group("Contributors"), allow=BYPASS | CONTRIBUTE)
    scenario.ace(branch("main"), group("Readers"), deny=CONTRIBUTE)
    scenario.member(group("Contributors"), group("Release Team")).member(group("Release Team"), user("ann"))
    scenario.member(group("Readers"), user("bob")).member(group("Contributors"), user("bob"))
    return scenario.evaluate()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.handler(args)


def test_who_can_prints_each_user_with_the_membership_path(home: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    code = run("who-can", "Bypass policies when pushing", "--on", "repo:Payments/payments-api@main")

    out = capsys.readouterr().out
    assert code == 0
    assert "ann@contoso.com" in out
    assert "via [Payments]\\Contributors ← member of [Payments]\\Release Team" in out


def test_who_can_honours_a_branch_deny_and_lists_it_on_request(
    home: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("who-can", "Contribute", "--on", "repo:Payments/payments-api@main", "--denied",
               "--format", "json") == 0

    answer = {row["identity"]: row for row in json.loads(capsys.readouterr().out)}
    assert answer["bob@contoso.com"]["decision"] == "deny"
    assert answer["bob@contoso.com"]["via"] == "via [Payments]\\Readers"
    assert answer["ann@contoso.com"]["decision"] == "allow"


def test_who_can_answers_a_branch_without_a_list_from_its_repository(
    home: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("who-can", "GenericContribute", "--on", "repo:Payments/payments-api@feature/login") == 0

    out = capsys.readouterr().out
    assert "feature/login has no list of its own: as its repository" in out
    assert "bob@contoso.com" in out  # the Readers deny is on main only


def test_who_can_lists_identities_as_csv(home: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("who-can", "PolicyExempt", "--on", "repo:Payments/payments-api", "--identities",
               "--format", "csv") == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("identity,kind,decision")
    assert len(lines) == 2 and lines[1].startswith("[Payments]\\Contributors,group,allow")


def test_access_of_lists_what_a_user_can_do_and_refuses_strangers(
    home: Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("access-of", "ann@contoso.com", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(row["permission"], row["resource_name"]) for row in rows} >= {
        ("Bypass policies when pushing", "payments-api"), ("Contribute", "payments-api@main")}

    assert run("access-of", "nobody@contoso.com") == 1
    assert "nobody@contoso.com" in capsys.readouterr().err


def test_unknown_resources_are_explained(home: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("who-can", "Contribute", "--on", "repo:Payments/missing") == 1
    assert "no repository 'Payments/missing'" in capsys.readouterr().err
