"""Notification delivery against real receivers: exactly once, retried when a channel is down, nothing repeated
after a restart, digests, filters, signatures and email over STARTTLS with login."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from resmo_pipeline.notify.channels import DELIVERY_HEADER, SIGNATURE_HEADER
from resmo_pipeline.notify.config import parse_config
from resmo_pipeline.notify.deliver import deliver_pending, delivery_log
from resmo_pipeline_tests.test_notify.receivers import start_http_receiver
from resmo_pipeline_tests.test_notify.ticket_warehouse import connect

NOW = datetime(2026, 11, 28, 12, 0, 0)

# #### FIXTURES




@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as conn:
        conn.execute("CREATE SCHEMA history; CREATE SCHEMA compliance")
        conn.execute("""CREATE TABLE history.changes (event_id VARCHAR, organization VARCHAR,
            resource_type VARCHAR, resource_id VARCHAR, resource_name VARCHAR, change_type VARCHAR,
            changed_fields JSON, detected_at TIMESTAMP, run_id VARCHAR)""")
        conn.execute("""CREATE TABLE compliance.finding_events (event_id VARCHAR, kind VARCHAR,
            organization VARCHAR, rule_id VARCHAR, resource_type VARCHAR, resource_id VARCHAR,
            resource_name VARCHAR, severity VARCHAR, message VARCHAR, occurred_at TIMESTAMP, run_id VARCHAR)""")
    return path


def add_change(path: Path, event_id: str, org: str = "contoso", rtype: str = "service_connections",
               fields: tuple[str, ...] = ("isShared",), change_type: str = "modified",
               at: datetime = NOW - timedelta(minutes=1)) -> None:
    changed = json.dumps([{"field": f, "before": False, "after": True} for f in fields])
    with connect(path) as conn:
        conn.execute("INSERT INTO history.changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'run-1')",
                     [event_id, org, rtype, f"id-{event_id}", f"name-{event_id}", change_type, changed, at])


def add_finding(path: Path, event_id: str, severity: str = "high", org: str = "contoso",
                kind: str = "new_finding") -> None:
    with connect(path) as conn:
        conn.execute("INSERT INTO compliance.finding_events VALUES (?, ?, ?, 'sc.all_pipelines_access', "
                     "'service_connections', ?, ?, ?, 'authorized for all pipelines', ?, 'run-1')",
                     [event_id, kind, org, f"sc-{event_id}", f"conn-{event_id}", severity,
                      NOW - timedelta(minutes=1)])


@pytest.fixture
def http_receiver():
    receiver, server = start_http_receiver()
    yield receiver
    server.shutdown()


def config_for(url: str, **delivery: object) -> dict:
    return {
        "channels": {
            "slack": {"type": "slack", "url_env": "TEST_SLACK_URL"},
            "teams": {"type": "teams", "url_env": "TEST_TEAMS_URL"},
            "hook": {"type": "webhook", "url": f"{url}/hook", "secret_env": "TEST_HOOK_KEY",
                     "headers": {"X-Team": "appsec"}},
        },
        "subscriptions": [
            {"name": "findings", "events": ["new_finding", "regression"], "filters": {"severities": ["high"]},
             "channels": ["slack", "teams"]},
            {"name": "changes", "events": ["change"], "filters": {"fields": ["isShared"]}, "channels": ["hook"]},
        ],
        "delivery": {"retry_after_s": 0, "max_attempts": 3, "digest_threshold": 3, **delivery},
    }


@pytest.fixture(autouse=True)
def channel_env(monkeypatch: pytest.MonkeyPatch, http_receiver) -> None:
    monkeypatch.setenv("TEST_SLACK_URL", f"{http_receiver.url}/slack")
    monkeypatch.setenv("TEST_TEAMS_URL", f"{http_receiver.url}/teams")
    monkeypatch.setenv("TEST_HOOK_KEY", "hook-signing-key-123")


# #### TESTS


def test_each_event_reaches_each_subscribed_channel_exactly_once(warehouse: Path, http_receiver) -> None:
    add_finding(warehouse, "f1")
    add_finding(warehouse, "f2", severity="low")  # filtered out by severity
    add_change(warehouse, "c1")
    add_change(warehouse, "c2", fields=("description",))  # filtered out by field
    config = parse_config(config_for(http_receiver.url))

    first = deliver_pending(partial(connect, warehouse), config, now=NOW)
    second = deliver_pending(partial(connect, warehouse), config, now=NOW + timedelta(minutes=1))

    paths = sorted(r.path for r in http_receiver.requests)
    assert paths == ["/hook", "/slack", "/teams"]
    assert first.total_delivered == 3
    assert second.total_delivered == 0
    slack = next(r.json() for r in http_receiver.requests if r.path == "/slack")
    assert "conn-f1" in slack["text"]
    teams = next(r.json() for r in http_receiver.requests if r.path == "/teams")
    assert teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert teams["attachments"][0]["content"]["type"] == "AdaptiveCard"


def test_webhook_is_signed_with_hmac_sha256_and_custom_headers(warehouse: Path, http_receiver) -> None:
    add_change(warehouse, "c1")
    deliver_pending(partial(connect, warehouse), parse_config(config_for(http_receiver.url)), now=NOW)

    (hook,) = [r for r in http_receiver.requests if r.path == "/hook"]
    expected = "sha256=" + hmac.new(b"hook-signing-key-123", hook.body, hashlib.sha256).hexdigest()
    assert hook.headers[SIGNATURE_HEADER] == expected
    assert hook.headers["X-Team"] == "appsec"
    # The delivery id depends only on the subscription and its events, so a resend carries the same one.
    ids = "changes\nchange:c1"
    assert hook.headers[DELIVERY_HEADER] == hashlib.sha256(ids.encode()).hexdigest()[:32]
    assert hook.json()["delivery_id"] == hook.headers[DELIVERY_HEADER]
    assert hook.json()["events"][0]["changed_fields"] == ["isShared"]


def test_channel_down_then_up_delivers_once(warehouse: Path, http_receiver) -> None:
    add_finding(warehouse, "f1")
    config = parse_config(config_for(http_receiver.url))
    http_receiver.status = 503

    down = deliver_pending(partial(connect, warehouse), config, now=NOW)
    http_receiver.status = 200
    up = deliver_pending(partial(connect, warehouse), config, now=NOW + timedelta(seconds=30))
    again = deliver_pending(partial(connect, warehouse), config, now=NOW + timedelta(seconds=60))

    assert down.failed == {"slack": 1, "teams": 1}
    assert up.delivered == {"slack": 1, "teams": 1}
    assert again.total_delivered == 0
    assert sorted(r.path for r in http_receiver.requests) == ["/slack", "/teams"]
    with connect(warehouse) as conn:
        rows = {(r["channel"], r["status"], r["attempts"]) for r in delivery_log(conn)}
    assert rows == {("slack", "delivered", 2), ("teams", "delivered", 2)}


def test_gives_up_after_max_attempts_and_records_it(warehouse: Path, http_receiver) -> None:
    add_finding(warehouse, "f1")
    config = parse_config(config_for(http_receiver.url, max_attempts=2))
    http_receiver.status = 500
    for minute in range(4):
        deliver_pending(partial(connect, warehouse), config, now=NOW + timedelta(minutes=minute))
    http_receiver.status = 200
    deliver_pending(partial(connect, warehouse), config, now=NOW + timedelta(minutes=5))

    assert http_receiver.requests == []
    with connect(warehouse) as conn:
        statuses = {(r["channel"], r["status"], r["attempts"]) for r in delivery_log(conn)}
    assert statuses == {("slack", "gave_up", 2), ("teams", "gave_up", 2)}


def test_restart_repeats_nothing(warehouse: Path, http_receiver) -> None:
    add_finding(warehouse, "f1")
    deliver_pending(partial(connect, warehouse), parse_config(config_for(http_receiver.url)), now=NOW)
    # A new process: the configuration is parsed again and only the warehouse remembers.
    restarted = parse_config(config_for(http_receiver.url))
    report = deliver_pending(partial(connect, warehouse), restarted, now=NOW + timedelta(minutes=5))
    assert report.total_delivered == 0
    assert len(http_receiver.requests) == 2


def test_many_events_for_one_organization_arrive_as_one_digest(warehouse: Path, http_receiver) -> None:
    for i in range(5):
        add_finding(warehouse, f"f{i}")
    add_finding(warehouse, "other", org="fabrikam")
    deliver_pending(partial(connect, warehouse), parse_config(config_for(http_receiver.url)), now=NOW)

    slack = [r.json() for r in http_receiver.requests if r.path == "/slack"]
    assert len(slack) == 2
    digest = next(m for m in slack if "5 events" in m["text"])
    assert "[contoso]" in digest["text"]
    assert any("[fabrikam]" in m["text"] and "conn-other" in m["text"] for m in slack)


def test_first_snapshot_is_a_baseline_but_later_creations_are_news(warehouse: Path, http_receiver) -> None:
    first_sync = NOW - timedelta(hours=1)
    add_change(warehouse, "initial-1", change_type="created", at=first_sync)
    add_change(warehouse, "initial-2", change_type="created", at=first_sync)
    add_change(warehouse, "later", change_type="created")
    report = deliver_pending(partial(connect, warehouse), parse_config(config_for(http_receiver.url)), now=NOW)
    assert report.delivered == {"hook": 1}
    (hook,) = http_receiver.bodies()
    assert [e["resource_name"] for e in hook["events"]] == ["name-later"]


def test_email_over_starttls_with_login(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    received: list[tuple[str, list[str], bytes]] = []
    logins: list[tuple[bytes, bytes]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"smtp-secret")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port, tls_context=server_context,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    try:
        port = free_port
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
        config = parse_config({
            "channels": {"mail": {"type": "email", "host": "127.0.0.1", "port": port, "sender": "resmo@example.com",
                                  "recipients": ["secops@example.com"], "username": "resmo",
                                  "password_env": "TEST_SMTP_PASSWORD", "tls_ca_file": str(ca_file)}},
            "subscriptions": [{"name": "all", "channels": ["mail"]}],
        })
        add_finding(warehouse, "f1", severity="critical")
        report = deliver_pending(partial(connect, warehouse), config, now=NOW)
    finally:
        controller.stop()

    assert report.delivered == {"mail": 1}
    assert logins == [(b"resmo", b"smtp-secret")]
    ((sender, recipients, content),) = received
    assert sender == "resmo@example.com" and recipients == ["secops@example.com"]
    assert b"sc.all_pipelines_access" in content and b"[critical]" in content
    delivery = hashlib.sha256(b"all\nfinding:f1").hexdigest()[:32]
    assert f"Message-ID: <{delivery}@resmo-pipeline>".encode() in content


def test_unset_secret_variable_is_reported_by_name_and_retried(warehouse: Path, http_receiver,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_SLACK_URL")
    add_finding(warehouse, "f1")
    report = deliver_pending(partial(connect, warehouse), parse_config(config_for(http_receiver.url)), now=NOW)
    assert report.failed == {"slack": 1}
    assert report.delivered == {"teams": 1}
    assert any("TEST_SLACK_URL" in e for e in report.errors)
