"""Issue 6 end to end: a change made in the simulated Azure DevOps reaches history, the findings and every
subscribed channel exactly once.

One module-scoped pipeline (the expensive part) does what the daemon would: connect the organization (registry +
partition in a persistent instance under RESMO_HOME), a first sync, a baseline tick of the change-detection
sensor, a change through the simulator's admin API (a service connection granted to all pipelines), a second tick
that requests a targeted run, and that run. The tests then judge the warehouse and drive the notification sensor
with their own notifications.yaml and receivers (distinct subscription names, so their delivery logs are apart).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import requests
import yaml

from resmo_pipeline.compliance.assets import FINDINGS_KEY
from resmo_pipeline.definitions import build_definitions
from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.lifecycle import add_integration
from resmo_pipeline.integrations.registry import Integration
from resmo_pipeline.inventory.assets import asset_key
from resmo_pipeline.inventory.jobs import INVENTORY_JOB
from resmo_pipeline.inventory.scope import SCOPE_TAG
from resmo_pipeline.inventory.sensors import CHANGED_TYPES_TAG, SENSOR_NAME
from resmo_pipeline.notify.config import CONFIG_ENV
from resmo_pipeline.simulator import Simulator, run_simulator
from resmo_pipeline.simulator.data import DEMO_RULE_EXAMPLES
from resmo_pipeline_tests.test_notify.receivers import HttpReceiver, start_http_receiver

RULE = "sc.all_pipelines_access"
PAT_ENV = "RESMO_E2E_PAT"
# The types the scenario touches: a grant on a service connection refreshes these (plus the audit log).
# A modified connection: its own type and the permission type; per-connection children stay as they are.
REFRESHED = ("service_connections", "pipeline_permissions")
# The first sync collects the projects they fan out over and those types; the whole catalog would take minutes
# here and prove nothing more about change detection.
FIRST_SYNC = ("projects", *REFRESHED, "check_configurations", "service_connection_usage", "audit_log")


@dataclass
class Pipeline:
    """The state after the change went through detection and the targeted run."""

    home: Path
    sim: Simulator
    organization: str
    connection: dict[str, Any]  # the simulator's service endpoint that was granted to all pipelines
    project: dict[str, Any]  # the project it was granted in
    changed_at: datetime
    request: dg.RunRequest
    targeted_run_id: str
    targeted_success: bool
    instance: dg.DagsterInstance  # the running "daemon's" instance and definitions
    defs: dg.Definitions

    @property
    def permission_id(self) -> str:
        """The changed pipeline_permissions row: the connection's permissions in that project."""
        return f"{self.project['id']}/endpoint/{self.connection['id']}"

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Read the warehouse (no run is active between ticks)."""
        conn = duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()


def tick(instance: dg.DagsterInstance, defs: dg.Definitions, name: str, cursor: str | None = None) -> Any:
    """One evaluation of a sensor served by ``defs``, as the daemon would run it."""
    sensor = defs.resolve_sensor_def(name)
    # The daemon resolves run requests against the instance's dynamic partitions (the organizations).
    with dg.partition_loading_context(dynamic_partitions_store=instance), dg.build_sensor_context(
        instance=instance, definitions=defs, resources=defs.resources, cursor=cursor
    ) as context:
        return sensor.evaluate_tick(context)


def _granted_connection(sim: Simulator) -> tuple[dict[str, Any], dict[str, Any]]:
    name = DEMO_RULE_EXAMPLES[RULE]["compliant"][0]
    endpoint = next(e for e in sim.state.service_endpoints if e["name"] == name)
    project_id = endpoint["serviceEndpointProjectReferences"][0]["projectReference"]["id"]
    return endpoint, next(p for p in sim.state.projects if p["id"] == project_id)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    home = tmp_path_factory.mktemp("e2e") / "resmo"
    with pytest.MonkeyPatch.context() as env, run_simulator(preset="demo", organization="contoso") as sim:
        env.setenv("RESMO_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        env.setenv(PAT_ENV, sim.pat)
        organization = sim.organization.lower()
        add_integration(Integration(name=organization, base_url=sim.base_url, pat_env=PAT_ENV))
        connection, project = _granted_connection(sim)
        with get_instance() as instance:
            defs = build_definitions()
            job = defs.resolve_job_def(INVENTORY_JOB)
            first = job.execute_in_process(instance=instance, partition_key=organization,
                                           asset_selection=[asset_key(name) for name in FIRST_SYNC])
            assert first.success
            baseline = tick(instance, defs, SENSOR_NAME)
            assert not baseline.run_requests

            changed_at = datetime.now(UTC).replace(tzinfo=None)
            response = requests.post(f"{sim.admin_url}/changes", timeout=10, json={
                "action": "grant_all_pipelines", "project": project["name"], "resource_type": "endpoint",
                "resource": connection["name"]})
            response.raise_for_status()
            detected = tick(instance, defs, SENSOR_NAME, baseline.cursor)
            [request] = detected.run_requests
            targeted = job.execute_in_process(instance=instance, partition_key=request.partition_key,
                                              asset_selection=request.asset_selection, tags=request.tags,
                                              raise_on_error=False)
            yield Pipeline(home=home, sim=sim, organization=organization, connection=connection, project=project,
                           changed_at=changed_at, request=request, targeted_run_id=targeted.run_id,
                           targeted_success=targeted.success, instance=instance, defs=defs)


def test_the_sensor_requests_a_run_of_the_affected_types_and_the_rules_reading_them(pipeline: Pipeline) -> None:
    request = pipeline.request

    assert request.partition_key == pipeline.organization
    assert set(request.asset_selection) == {*(asset_key(name) for name in (*REFRESHED, "audit_log")), FINDINGS_KEY}
    assert "pipeline_permissions" in request.tags[CHANGED_TYPES_TAG].split(",")
    assert dg.AssetCheckKey(asset_key("service_connections"), "sc_all_pipelines_access") in request.asset_check_keys
    assert pipeline.targeted_success


def test_the_targeted_run_re_reads_only_the_named_connection_and_keeps_every_other_row(pipeline: Pipeline) -> None:
    scopes = json.loads(pipeline.request.tags[SCOPE_TAG])
    assert scopes["pipeline_permissions"] == [{
        "rows": {"project_id": pipeline.project["id"], "resource_type": "endpoint",
                 "resource_id_ref": pipeline.connection["id"]},
        "calls": {"project_id": pipeline.project["id"], "resource_type": "endpoint",
                  "resource_id_ref": pipeline.connection["id"]},
    }]
    runs = dict(pipeline.query(
        "SELECT resource_type, requests FROM meta.collection_runs WHERE run_id = ?", [pipeline.targeted_run_id]))
    # One permission read and one project's connection listing, instead of one per protected resource.
    assert runs["pipeline_permissions"] == 1
    assert runs["service_connections"] == 1
    event = pipeline.instance.get_latest_materialization_event(asset_key("pipeline_permissions"))
    assert event is not None and event.run_id == pipeline.targeted_run_id
    assert event.asset_materialization.metadata["details"].value["partial_refresh"] == 1
    counts = dict(pipeline.query(
        "SELECT 'pipeline_permissions', count(*) FROM azure_devops.pipeline_permissions WHERE organization = ? "
        "UNION ALL SELECT 'service_connections', count(*) FROM azure_devops.service_connections "
        "WHERE organization = ?", [pipeline.organization, pipeline.organization]))
    state = pipeline.sim.state
    assert counts["service_connections"] == len(state.service_endpoints)
    # The first sync read the permissions of every connection in every project it is shared with.
    assert counts["pipeline_permissions"] == sum(len(e["serviceEndpointProjectReferences"])
                                                 for e in state.service_endpoints) > 1


def test_the_change_closes_one_history_version_and_writes_one_change_event(pipeline: Pipeline) -> None:
    versions = pipeline.query(
        "SELECT all_pipelines_authorized, valid_to IS NULL FROM history.pipeline_permissions "
        "WHERE organization = ? AND resource_type = 'endpoint' AND resource_id_ref = ? AND project_id = ? "
        "ORDER BY valid_from",
        [pipeline.organization, pipeline.connection["id"], pipeline.project["id"]],
    )
    assert versions == [(False, False), (True, True)]

    events = pipeline.query(
        "SELECT resource_type, resource_id, change_type, CAST(changed_fields AS VARCHAR) FROM history.changes "
        "WHERE run_id = ?",
        [pipeline.targeted_run_id],
    )
    [(resource_type, resource_id, change_type, changed)] = events
    assert (resource_type, resource_id, change_type) == ("pipeline_permissions", pipeline.permission_id, "modified")
    [field] = [c for c in json.loads(changed) if c["field"] == "allPipelines"]
    assert field["after"]["authorized"] is True
    assert not (field["before"] or {}).get("authorized")


def test_the_change_opens_a_finding_and_a_new_finding_event(pipeline: Pipeline) -> None:
    findings = pipeline.query(
        "SELECT status, first_seen, last_run_id FROM compliance.findings "
        "WHERE rule_id = ? AND organization = ? AND resource_name = ?",
        [RULE, pipeline.organization, pipeline.connection["name"]],
    )
    [(status, first_seen, run_id)] = findings
    assert (status, run_id) == ("open", pipeline.targeted_run_id)
    assert first_seen >= pipeline.changed_at

    events = pipeline.query(
        "SELECT kind, resource_type, severity, run_id FROM compliance.finding_events "
        "WHERE rule_id = ? AND organization = ? AND resource_name = ?",
        [RULE, pipeline.organization, pipeline.connection["name"]],
    )
    assert events == [("new_finding", "service_connections", "high", pipeline.targeted_run_id)]


# #### NOTIFICATIONS


@pytest.fixture
def receivers() -> Iterator[dict[str, HttpReceiver]]:
    started = {name: start_http_receiver() for name in ("slack", "soc")}
    yield {name: receiver for name, (receiver, _) in started.items()}
    for _, server in started.values():
        server.shutdown()


def _configure(pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               receivers: dict[str, HttpReceiver], prefix: str) -> Path:
    """notifications.yaml: the rule's new findings to Slack and a signed webhook, permission changes to a log."""
    monkeypatch.setenv("RESMO_HOME", str(pipeline.home))
    monkeypatch.setenv("DAGSTER_HOME", str(pipeline.home / "dagster"))
    monkeypatch.setenv("E2E_SLACK_URL", f"{receivers['slack'].url}/slack")
    monkeypatch.setenv("E2E_SOC_KEY", "not-a-real-key")
    log = tmp_path / "changes.log"
    document = {
        "channels": {
            "slack": {"type": "slack", "url_env": "E2E_SLACK_URL"},
            "soc": {"type": "webhook", "url": f"{receivers['soc'].url}/hook", "secret_env": "E2E_SOC_KEY"},
            "changes-log": {"type": "log", "path": str(log)},
        },
        "subscriptions": [
            {"name": f"{prefix}-findings", "events": ["new_finding", "regression"], "filters": {"rules": [RULE]},
             "channels": ["slack", "soc"]},
            {"name": f"{prefix}-permissions", "events": ["change"],
             "filters": {"resource_types": ["pipeline_permissions"], "fields": ["allPipelines"]},
             "channels": ["changes-log"]},
        ],
        "delivery": {"retry_after_s": 0, "max_attempts": 5, "digest_threshold": 100},
    }
    path = tmp_path / "notifications.yaml"
    path.write_text(yaml.safe_dump(document))
    monkeypatch.setenv(CONFIG_ENV, str(path))
    return log


def _notify(pipeline: Pipeline, restarted: bool = False) -> str:
    """A notification_sensor tick (``restarted``: in a newly opened instance and definitions); its skip reason."""
    if restarted:
        with get_instance() as instance:
            result = tick(instance, build_definitions(), "notification_sensor")
    else:
        result = tick(pipeline.instance, pipeline.defs, "notification_sensor")
    assert not result.run_requests
    return result.skip_message or ""


def _mentions(receiver: HttpReceiver, name: str) -> int:
    return sum(name in json.dumps(body) for body in receiver.bodies())


def _finding_names(pipeline: Pipeline) -> list[str]:
    """Resources with a new finding of the rule: the first sync's and the one the change opened."""
    rows = pipeline.query("SELECT resource_name FROM compliance.finding_events WHERE rule_id = ? "
                          "AND kind = 'new_finding' ORDER BY resource_name", [RULE])
    return [name for (name,) in rows]


def test_each_subscribed_channel_gets_the_change_exactly_once(
    pipeline: Pipeline, receivers: dict[str, HttpReceiver], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _configure(pipeline, tmp_path, monkeypatch, receivers, prefix="once")
    name = pipeline.connection["name"]

    findings = _finding_names(pipeline)
    assert name in findings

    reason = _notify(pipeline)

    # A daemon would have told the channels about the first sync's findings already; this one hears of them now.
    n = len(findings)
    assert reason == f"changes-log: 1 delivered; slack: {n} delivered; soc: {n} delivered"
    for receiver in receivers.values():
        assert len(receiver.requests) == n
        assert all(_mentions(receiver, finding) == 1 for finding in findings)
    [slack] = [body for body in receivers["slack"].bodies() if name in body["text"]]
    assert RULE in slack["text"]
    [soc] = [body for body in receivers["soc"].bodies() if name in json.dumps(body)]
    assert [(e["kind"], e["rule_id"], e["resource_name"]) for e in soc["events"]] == [("new_finding", RULE, name)]
    [line] = log.read_text().splitlines()
    [change] = json.loads(line)["events"]
    assert (change["kind"], change["resource_id"], change["changed_fields"]) == (
        "change", pipeline.permission_id, ["allPipelines"])

    assert _notify(pipeline).startswith("Nothing to deliver: no new events")
    # A restart: new instance and definitions objects, the configuration read again, the same RESMO_HOME.
    _configure(pipeline, tmp_path, monkeypatch, receivers, prefix="once")
    assert _notify(pipeline, restarted=True).startswith("Nothing to deliver: no new events")
    assert [len(receiver.requests) for receiver in receivers.values()] == [n, n]
    assert len(log.read_text().splitlines()) == 1


def test_a_channel_that_was_down_gets_the_message_once_it_is_back(
    pipeline: Pipeline, receivers: dict[str, HttpReceiver], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(pipeline, tmp_path, monkeypatch, receivers, prefix="outage")
    receivers["soc"].status = 503
    n = len(_finding_names(pipeline))

    reason = _notify(pipeline)

    assert f"soc: {n} failed (will retry)" in reason and f"slack: {n} delivered" in reason
    assert not receivers["soc"].requests
    outcomes = pipeline.query(
        "SELECT status, attempts, error FROM meta.notifications WHERE subscription = 'outage-findings' "
        "AND channel = 'soc'")
    assert len(outcomes) == n
    assert all((status, attempts) == ("failed", 1) and "503" in error for status, attempts, error in outcomes)

    receivers["soc"].status = 200
    assert f"soc: {n} delivered" in _notify(pipeline)
    assert _notify(pipeline).startswith("Nothing to deliver: no new events")

    assert _mentions(receivers["soc"], pipeline.connection["name"]) == 1
    assert [len(receivers["soc"].requests), len(receivers["slack"].requests)] == [n, n]
    assert pipeline.query(
        "SELECT DISTINCT status, attempts FROM meta.notifications WHERE subscription = 'outage-findings' "
        "AND channel = 'soc'"
    ) == [("delivered", 2)]
