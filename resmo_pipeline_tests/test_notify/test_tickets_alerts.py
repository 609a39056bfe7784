"""PagerDuty Events v2 and Opsgenie against local stand-ins: triggered when a finding opens, resolved when it is
fixed, deduplicated by the finding's key, exactly once across re-delivery and after a server error."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resmo_pipeline.notify import commands
from resmo_pipeline.notify.config import parse_config
from resmo_pipeline_tests.test_notify.ticket_receivers import OpsgenieReceiver, PagerDutyReceiver, serve
from resmo_pipeline_tests.test_notify.ticket_warehouse import (
    RULE,
    deliver,
    finding_event,
    links,
    log_rows,
    make_warehouse,
)

KEY = "resmo-" + hashlib.sha256(f"contoso|{RULE}|sc-1".encode()).hexdigest()[:12]


@pytest.fixture
def pagerduty(monkeypatch: pytest.MonkeyPatch) -> Iterator[PagerDutyReceiver]:
    with serve(PagerDutyReceiver()) as receiver:
        monkeypatch.setenv("TEST_PD_KEY", receiver.routing_key)  # type: ignore[attr-defined]
        yield receiver  # type: ignore[misc]


@pytest.fixture
def opsgenie(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpsgenieReceiver]:
    with serve(OpsgenieReceiver()) as receiver:
        monkeypatch.setenv("TEST_GENIE_KEY", receiver.api_key)  # type: ignore[attr-defined]
        yield receiver  # type: ignore[misc]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "warehouse.duckdb")


def config(pagerduty: PagerDutyReceiver, opsgenie: OpsgenieReceiver, **delivery: Any) -> dict[str, Any]:
    return {
        "channels": {
            "pager": {"type": "pagerduty", "routing_key_env": "TEST_PD_KEY", "base_url": pagerduty.url},
            "genie": {"type": "opsgenie", "api_key_env": "TEST_GENIE_KEY", "base_url": opsgenie.url,
                      "tags": ["appsec"], "responders": [{"name": "SecOps", "type": "team"}]},
        },
        "subscriptions": [{"name": "alerts", "channels": ["pager", "genie"]}],
        "delivery": {"retry_after_s": 0, "max_attempts": 3, "digest_threshold": 2, **delivery},
    }


def test_alerts_trigger_and_resolve_with_the_findings_key(pagerduty: PagerDutyReceiver, opsgenie: OpsgenieReceiver,
                                                          warehouse: Path) -> None:
    finding_event(warehouse, "new_finding", severity="critical", minutes_ago=30)
    report = deliver(warehouse, config(pagerduty, opsgenie))
    assert report.delivered == {"pager": 1, "genie": 1}

    incident = pagerduty.incidents[KEY]
    assert incident["status"] == "triggered"
    payload = incident["payload"]
    assert payload["severity"] == "critical" and payload["source"] == "dev.azure.com/contoso"
    assert payload["class"] == RULE and payload["group"] == "Contoso Web"
    assert payload["custom_details"]["remediation"].startswith("Turn off")
    assert payload["timestamp"].endswith("+00:00")
    assert incident["links"][0]["href"].endswith("resourceId=sc-1")
    (alert,) = opsgenie.alerts
    assert (alert["alias"], alert["priority"], alert["status"]) == (KEY, "P1", "open")
    assert alert["tags"] == ["resmo-pipeline", "critical", RULE, "appsec"]
    assert alert["responders"] == [{"name": "SecOps", "type": "team"}]
    assert alert["details"]["resource"] == "conn sc-1" and "Remediation:" in alert["description"]

    finding_event(warehouse, "resolved", severity="critical", minutes_ago=20)
    deliver(warehouse, config(pagerduty, opsgenie), minutes=1)
    assert pagerduty.incidents[KEY]["status"] == "resolved" and opsgenie.alerts[0]["status"] == "closed"
    assert opsgenie.alerts[0]["notes"][0].startswith("Resolved")

    finding_event(warehouse, "regression", severity="critical", minutes_ago=10)
    deliver(warehouse, config(pagerduty, opsgenie), minutes=2)
    assert pagerduty.incidents[KEY]["status"] == "triggered"
    assert [a["status"] for a in opsgenie.alerts] == ["closed", "open"]  # a new alert after the closed one

    calls = (len(pagerduty.log), len(opsgenie.log))
    again = deliver(warehouse, config(pagerduty, opsgenie), minutes=3)
    restarted = deliver(warehouse, config(pagerduty, opsgenie), minutes=30)
    assert again.total_delivered == restarted.total_delivered == 0
    assert (len(pagerduty.log), len(opsgenie.log)) == calls
    assert links(warehouse) == []  # alerts keep no ticket: their dedup key is the finding's


def test_alert_severity_threshold_defaults_to_high(pagerduty: PagerDutyReceiver, opsgenie: OpsgenieReceiver,
                                                   warehouse: Path) -> None:
    finding_event(warehouse, "new_finding", "medium-1", severity="medium")
    finding_event(warehouse, "new_finding", "high-1", severity="high")
    finding_event(warehouse, "new_finding", "high-2", severity="high")
    report = deliver(warehouse, config(pagerduty, opsgenie))

    assert report.delivered == {"pager": 2, "genie": 2}  # one alert per event, although 2 make a digest
    assert len(pagerduty.incidents) == 2 and len(opsgenie.alerts) == 2
    assert {i["payload"]["severity"] for i in pagerduty.incidents.values()} == {"error"}
    assert {a["priority"] for a in opsgenie.alerts} == {"P2"}
    assert all("medium-1" not in str(i) for i in pagerduty.incidents.values())


def test_server_error_is_retried_later_and_delivered_once(pagerduty: PagerDutyReceiver, opsgenie: OpsgenieReceiver,
                                                         warehouse: Path) -> None:
    opened = finding_event(warehouse, "new_finding", minutes_ago=2)
    resolved = finding_event(warehouse, "resolved", minutes_ago=1)
    pagerduty.fail_with = opsgenie.fail_with = 500
    down = deliver(warehouse, config(pagerduty, opsgenie))
    pagerduty.fail_with = opsgenie.fail_with = None
    up = deliver(warehouse, config(pagerduty, opsgenie), minutes=1)
    again = deliver(warehouse, config(pagerduty, opsgenie), minutes=2)

    assert down.failed == {"pager": 1, "genie": 1}  # the resolutions wait for their triggers
    assert up.delivered == {"pager": 2, "genie": 2} and again.total_delivered == 0
    assert [m for m, _, _ in pagerduty.calls()] == ["POST", "POST"]
    assert [b["event_action"] for _, _, b in pagerduty.calls()] == ["trigger", "resolve"]
    assert pagerduty.incidents[KEY]["triggers"] == 1 and opsgenie.alerts[0]["status"] == "closed"
    assert log_rows(warehouse) == {(f"finding:{opened}", "pager", "delivered", 2),
                                   (f"finding:{opened}", "genie", "delivered", 2),
                                   (f"finding:{resolved}", "pager", "delivered", 1),
                                   (f"finding:{resolved}", "genie", "delivered", 1)}


def test_wrong_keys_are_refused_and_never_shown(pagerduty: PagerDutyReceiver, opsgenie: OpsgenieReceiver,
                                                warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PD_KEY", "wrong-routing-key")
    monkeypatch.setenv("TEST_GENIE_KEY", "wrong-genie-key")
    finding_event(warehouse, "new_finding")
    report = deliver(warehouse, config(pagerduty, opsgenie))

    assert report.failed == {"pager": 1, "genie": 1}
    pager_error = next(e for e in report.errors if "'pager'" in e)
    genie_error = next(e for e in report.errors if "'genie'" in e)
    assert "HTTP 400" in pager_error and "routing_key" in pager_error and "wrong-routing-key" not in pager_error
    assert "HTTP 401" in genie_error and "Could not authenticate" in genie_error
    assert "wrong-genie-key" not in genie_error
    assert pagerduty.incidents == {} and opsgenie.alerts == []


def test_notify_test_sends_a_test_alert_and_resolves_it(pagerduty: PagerDutyReceiver,
                                                        opsgenie: OpsgenieReceiver) -> None:
    channels = parse_config(config(pagerduty, opsgenie)).channels
    channels["pager"].send(commands.test_message())
    channels["genie"].send(commands.test_message())
    assert pagerduty.incidents["resmo-pipeline-test"]["status"] == "resolved"
    assert pagerduty.incidents["resmo-pipeline-test"]["payload"]["severity"] == "info"
    (alert,) = opsgenie.alerts
    assert (alert["alias"], alert["priority"], alert["status"]) == ("resmo-pipeline-test", "P5", "closed")
