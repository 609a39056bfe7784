"""Jira Cloud issues against a local Jira stand-in: created with labels and an ADF description, commented on,
moved to Done and back to To Do; exactly once across re-delivery, restarts, a lost link and a 500."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resmo_pipeline_tests.test_notify.ticket_receivers import JiraReceiver, serve
from resmo_pipeline_tests.test_notify.ticket_warehouse import (
    RULE,
    deliver,
    finding_event,
    forget,
    links,
    log_rows,
    make_warehouse,
)

TOKEN_ENV = "TEST_JIRA_TOKEN"
LABEL = "resmo-" + hashlib.sha256(f"contoso|{RULE}|sc-1".encode()).hexdigest()[:12]


@pytest.fixture
def jira(monkeypatch: pytest.MonkeyPatch) -> Iterator[JiraReceiver]:
    monkeypatch.setenv(TOKEN_ENV, "jira-token-secret")
    with serve(JiraReceiver()) as receiver:
        yield receiver  # type: ignore[misc]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "warehouse.duckdb")


def config(jira: JiraReceiver, **options: Any) -> dict[str, Any]:
    return {
        "channels": {"jira": {"type": "jira", "base_url": jira.url, "project_key": "SEC", "email": jira.email,
                              "token_env": TOKEN_ENV, **options}},
        "subscriptions": [{"name": "findings", "events": ["new_finding", "regression", "resolved", "change"],
                           "channels": ["jira"]}],
        "delivery": {"retry_after_s": 0, "max_attempts": 3},
    }


def comment_texts(issue: dict[str, Any]) -> list[str]:
    return [json.dumps(c["body"]) for c in issue["comments"]]


def test_issue_is_created_transitioned_and_commented_exactly_once(jira: JiraReceiver, warehouse: Path) -> None:
    finding_event(warehouse, "new_finding", minutes_ago=30)
    deliver(warehouse, config(jira, priorities={"high": "High"}))
    (issue,) = jira.issues.values()
    fields = issue["fields"]
    assert fields["labels"] == ["resmo-pipeline", LABEL]
    assert fields["issuetype"] == {"name": "Bug"} and fields["priority"] == {"name": "High"}
    assert fields["summary"].startswith("Service connection open to all pipelines: service_connections")
    description = json.dumps(fields["description"])
    assert "authorized for all pipelines" in description and "Remediation: " in description
    assert '"href": "https://dev.azure.com/contoso/Contoso Web/_settings/adminservices?resourceId=sc-1"' in description
    assert issue["status"] == "To Do"
    (link,) = links(warehouse)
    assert (link["ticket_id"], link["ticket_url"]) == ("SEC-1", f"{jira.url}/browse/SEC-1")

    finding_event(warehouse, "resolved", minutes_ago=20)
    deliver(warehouse, config(jira), minutes=1)
    assert issue["status"] == "Done" and len(issue["comments"]) == 1
    assert "Resolved" in comment_texts(issue)[0]

    finding_event(warehouse, "regression", minutes_ago=10)
    deliver(warehouse, config(jira), minutes=2)
    assert issue["status"] == "To Do" and len(issue["comments"]) == 2 and "regressed" in comment_texts(issue)[1]

    before = len(jira.log)
    again = deliver(warehouse, config(jira), minutes=3)
    restarted = deliver(warehouse, config(jira), minutes=30)
    assert again.total_delivered == restarted.total_delivered == 0
    assert len(jira.log) == before and len(jira.issues) == 1


def test_lost_link_and_lost_log_file_no_duplicate_issue_or_comment(jira: JiraReceiver, warehouse: Path) -> None:
    opened = finding_event(warehouse, "new_finding", minutes_ago=2)
    deliver(warehouse, config(jira))
    forget(warehouse, opened)
    deliver(warehouse, config(jira), minutes=1)
    assert list(jira.issues) == ["SEC-1"]  # found again by its label through search/jql
    assert links(warehouse)[0]["ticket_id"] == "SEC-1"

    resolved = finding_event(warehouse, "resolved", minutes_ago=1)
    deliver(warehouse, config(jira), minutes=2)
    forget(warehouse, resolved)
    report = deliver(warehouse, config(jira), minutes=3)
    assert report.delivered == {"jira": 1}
    issue = jira.issues["SEC-1"]
    assert issue["status"] == "Done" and len(issue["comments"]) == 1  # no second comment, no second transition


def test_server_error_is_retried_later_and_delivered_once(jira: JiraReceiver, warehouse: Path) -> None:
    opened = finding_event(warehouse, "new_finding")
    jira.fail_with = 500
    down = deliver(warehouse, config(jira))
    jira.fail_with = None
    up = deliver(warehouse, config(jira), minutes=1)
    again = deliver(warehouse, config(jira), minutes=2)

    assert down.failed == {"jira": 1} and "HTTP 500" in down.errors[0] and "internal error" in down.errors[0]
    assert up.delivered == {"jira": 1} and again.total_delivered == 0
    assert len(jira.issues) == 1
    assert log_rows(warehouse) == {(f"finding:{opened}", "jira", "delivered", 2)}


def test_wrong_token_is_refused_without_showing_it(jira: JiraReceiver, warehouse: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "not-the-token")
    finding_event(warehouse, "new_finding")
    report = deliver(warehouse, config(jira))
    (error,) = report.errors
    assert "HTTP 401" in error and "not authenticated" in error and "not-the-token" not in error
    assert jira.issues == {}


def test_missing_transition_names_the_available_ones(jira: JiraReceiver, warehouse: Path) -> None:
    finding_event(warehouse, "new_finding", minutes_ago=2)
    finding_event(warehouse, "resolved", minutes_ago=1)
    report = deliver(warehouse, config(jira, done_transition="Close Issue"))
    assert report.delivered == {"jira": 1} and report.failed == {"jira": 1}
    assert "no transition 'Close Issue' (available: In Progress, Done)" in report.errors[0]


def test_unset_token_variable_is_named(jira: JiraReceiver, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    finding_event(warehouse, "new_finding")
    report = deliver(warehouse, config(jira))
    assert report.failed == {"jira": 1} and TOKEN_ENV in report.errors[0] and jira.log == []
