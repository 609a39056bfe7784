"""Ticket and alert channels in notifications.yaml: clear errors for bad entries, defaults, and `notify test`."""

from __future__ import annotations

from pathlib import Path

import pytest

from resmo_pipeline.notify import commands
from resmo_pipeline.notify.channels import ChannelError
from resmo_pipeline.notify.config import NotificationConfigError, parse_config
from resmo_pipeline.notify.tickets import AzureBoardsChannel, OpsgenieChannel, PagerDutyChannel
from resmo_pipeline.simulator import run_simulator
from resmo_pipeline.simulator.data.work_items import work_items_of
from resmo_pipeline_tests.test_notify.ticket_receivers import PagerDutyReceiver, serve
from resmo_pipeline_tests.test_notify.ticket_warehouse import (
    connect,
    deliver,
    finding_event,
    log_rows,
    make_warehouse,
)

BOARDS = {"type": "azure_boards", "organization": "contoso", "project": "Security", "pat_env": "BOARDS_PAT"}


def test_defaults_of_the_four_channel_types() -> None:
    config = parse_config({"channels": {
        "boards": BOARDS,
        "jira": {"type": "jira", "base_url": "https://example.atlassian.net/", "project_key": "SEC",
                 "email": "bot@example.com", "token_env": "JIRA_TOKEN"},
        "pager": {"type": "pagerduty", "routing_key_env": "PD_KEY"},
        "genie": {"type": "opsgenie", "api_key_env": "GENIE_KEY", "base_url": "https://api.eu.opsgenie.com"},
    }})
    boards, jira, pager, genie = config.channels.values()
    assert isinstance(boards, AzureBoardsChannel) and boards.base_url == "https://dev.azure.com"
    assert boards.work_item_type == "Bug" and boards.min_severity is None
    assert jira.base_url == "https://example.atlassian.net" and jira.done_transition == "Done"  # type: ignore[attr-defined]
    assert isinstance(pager, PagerDutyChannel) and pager.base_url == "https://events.pagerduty.com"
    assert pager.min_severity == "high"
    assert isinstance(genie, OpsgenieChannel) and genie.base_url == "https://api.eu.opsgenie.com"


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ({"type": "azure_boards", "organization": "contoso", "pat_env": "P"},
         "channel 'x' (azure_boards) is missing required option(s) project"),
        ({"type": "jira", "base_url": "https://e.atlassian.net"},
         "missing required option(s) project_key, email, token_env"),
        ({"type": "pagerduty"}, "channel 'x' (pagerduty) is missing required option(s) routing_key_env"),
        ({"type": "opsgenie", "api_key_env": "K", "priority": "P1"}, "unknown option(s) priority"),
        ({"type": "opsgenie", "api_key_env": "K", "tags": "security"}, "'tags' must be a list"),
        ({**BOARDS, "min_severity": "urgent"}, "min_severity 'urgent' is not one of low, medium, high, critical"),
        ({**BOARDS, "_states": []}, "unknown option(s) _states"),
    ],
)
def test_bad_channel_entries_name_the_channel_and_the_problem(channel: dict, expected: str) -> None:
    with pytest.raises(NotificationConfigError) as info:
        parse_config({"channels": {"x": channel}}, source="notifications.yaml")
    assert expected in str(info.value) and "notifications.yaml" in str(info.value)


def test_a_subscription_of_only_change_events_cannot_target_a_ticket_channel() -> None:
    document = {"channels": {"boards": BOARDS}, "subscriptions": [{"name": "changes", "events": ["change"],
                                                                   "channels": ["boards"]}]}
    with pytest.raises(NotificationConfigError, match="only change events, which ticket and alert channel"):
        parse_config(document, source="notifications.yaml")


def test_change_events_are_filtered_out_for_ticket_channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    finding_event(warehouse, "new_finding")
    with serve(PagerDutyReceiver()) as pd:
        monkeypatch.setenv("PD_KEY", pd.routing_key)  # type: ignore[attr-defined]
        document = {"channels": {"pager": {"type": "pagerduty", "routing_key_env": "PD_KEY", "base_url": pd.url},
                                 "log": {"type": "log", "path": str(tmp_path / "n.log")}},
                    "subscriptions": [{"name": "all", "channels": ["pager", "log"]}]}
        with connect(warehouse) as conn:
            conn.execute("CREATE SCHEMA IF NOT EXISTS history")
            conn.execute("CREATE TABLE history.changes (event_id VARCHAR, organization VARCHAR, resource_type "
                         "VARCHAR, resource_id VARCHAR, resource_name VARCHAR, change_type VARCHAR, changed_fields "
                         "JSON, detected_at TIMESTAMP, run_id VARCHAR)")
            conn.execute("INSERT INTO history.changes VALUES ('c0', 'contoso', 'repositories', 'r0', 'r0', 'created', "
                         "'[]', TIMESTAMP '2026-11-01 00:00:00', 'run-0'), ('c1', 'contoso', 'repositories', 'r1', "
                         "'r1', 'created', '[]', TIMESTAMP '2026-11-28 11:59:00', 'run-1')")
        report = deliver(warehouse, document)
    # c0 is the type's first snapshot (a baseline); c1 is news for the log channel but not for the pager.
    assert report.delivered == {"pager": 1, "log": 2}
    assert {(e.split(":")[0], c) for e, c, _, _ in log_rows(warehouse)} == {
        ("finding", "pager"), ("finding", "log"), ("change", "log")}


def test_notify_test_checks_the_board_without_filing_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    with run_simulator(preset="demo") as sim:
        monkeypatch.setenv("BOARDS_PAT", sim.issue_pat(["vso.work_write"]))
        good = parse_config({"channels": {"b": {**BOARDS, "project": "Contoso Web",
                                                "base_url": f"{sim.base_url}/dev.azure.com"}}}).channels["b"]
        good.send(commands.test_message())
        wrong_type = parse_config({"channels": {"b": {**BOARDS, "project": "Data Platform",
                                                      "base_url": f"{sim.base_url}/dev.azure.com"}}}).channels["b"]
        with pytest.raises(ChannelError, match=r"HTTP 404.*VS402323"):
            wrong_type.send(commands.test_message())
        assert work_items_of(sim.state).items == {}
