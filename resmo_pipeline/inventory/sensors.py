"""Near-real-time change detection from each organization's audit log.

Every minute (configurable) the sensor asks each enabled organization's audit log for entries newer than its
cursor — one small request when nothing happened — maps the entries to the resource types they affect (the
catalog's ``audit_actions``), and requests a run that refreshes only those types, the types computed from them
and their compliance checks, for that organization. Where the catalog's ``audit_scope`` can tell which resources
an entry is about, the run re-reads only those (see ``inventory.scope``): one changed service connection costs a
handful of requests, not a re-read of every protected resource. The sensor never touches the warehouse: it runs in the
long-lived code server, which must never hold the DuckDB lock.
"""

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from resmo_pipeline.azure_devops import AzureDevOpsError
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.catalog.model import ResourceType
from resmo_pipeline.compliance.assets import FINDINGS_KEY
from resmo_pipeline.integrations.registry import IntegrationError
from resmo_pipeline.inventory.assets import asset_key
from resmo_pipeline.inventory.jobs import inventory_job
from resmo_pipeline.inventory.resources import AzureDevOpsResource
from resmo_pipeline.inventory.rows import parse_timestamp
from resmo_pipeline.inventory.scope import SCOPE_TAG, STRUCTURAL_CATEGORIES, Scopes, encode, selectors_for
from resmo_pipeline.permissions.assets import permission_tables_after

SENSOR_NAME = "audit_log_change_sensor"
INTERVAL_ENV = "RESMO_CHANGE_SENSOR_INTERVAL_S"
DEFAULT_INTERVAL_S = 60
AUDIT_TYPE = "audit_log"
CHANGED_TYPES_TAG = "resmo/changed_types"


def _matches(entry: Mapping[str, Any], pattern: str) -> bool:
    """An ``audit_actions`` entry is an actionId prefix (``Git.``) or an audit area name (``Git``)."""
    return str(entry.get("actionId") or "").startswith(pattern) or str(entry.get("area") or "") == pattern


def entries_about(resource_type: ResourceType, entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The audit entries whose actionId or area says this type changed."""
    return [entry for entry in entries if any(_matches(entry, pattern) for pattern in resource_type.audit_actions)]


def changed_types(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """The resource types an audit entry's actionId or area says changed."""
    entries = list(entries)
    return {resource_type.name for resource_type in RESOURCE_TYPES.values() if entries_about(resource_type, entries)}


def refresh_scopes(entries: Iterable[Mapping[str, Any]], types: Iterable[str]) -> Scopes:
    """Per changed type, the resources the entries name — for the types where every entry names them."""
    entries = list(entries)
    scopes: Scopes = {}
    for name in types:
        selectors = selectors_for(RESOURCE_TYPES[name], entries_about(RESOURCE_TYPES[name], entries))
        if selectors:
            scopes[name] = selectors
    return scopes


def structural_types(entries: Iterable[Mapping[str, Any]]) -> set[str]:
    """The changed types whose resources were created or removed (not merely modified)."""
    return changed_types(e for e in entries if str(e.get("category") or "").lower() in STRUCTURAL_CATEGORIES)


def with_dependents(names: Iterable[str], structural: Iterable[str] = ()) -> set[str]:
    """The given types, the types computed from them, and every type read per row of a structurally changed one.

    A modified service connection keeps its pipeline permissions and checks (they have audit events of their
    own), so re-reading every per-resource child on each modification would cost thousands of requests for
    nothing; a created or removed parent does change which children exist. Computed types (no endpoint) cost
    no request and always follow their parents.
    """
    selected = set(names)
    expanding = set(structural) & selected
    grew = True
    while grew:
        grew = False
        for resource_type in RESOURCE_TYPES.values():
            if resource_type.name in selected:
                continue
            parents = set(resource_type.parents)
            if parents & expanding or (resource_type.endpoint is None and parents & selected):
                selected.add(resource_type.name)
                if resource_type.endpoint is not None:
                    expanding.add(resource_type.name)
                grew = True
    return selected


def checks_reading(types: set[str]) -> list[dg.AssetCheckKey]:
    """The compliance checks judging, or reading, any of these types: they must run again after a refresh."""
    from resmo_pipeline.compliance.loader import load_rules

    return [
        dg.AssetCheckKey(asset_key(rule.resource_type), rule.check_name)
        for rule in load_rules().rules
        if rule.resource_type in types or types.intersection(rule.requires)
    ]


def refresh_request(
    organization: str,
    types: set[str],
    newest: Mapping[str, Any],
    structural: Iterable[str] = (),
    scopes: Scopes | None = None,
) -> dg.RunRequest:
    """A run of only the changed types (+ what depends on them, the permissions evaluated from them, the audit
    log, the findings and the checks) for one organization; `scopes` limits types to the resources the audit log
    named."""
    selected = with_dependents(types, structural) | {AUDIT_TYPE}
    ordered = [name for name in RESOURCE_TYPES if name in selected]
    # Who can do what follows from the lists, memberships and roles: evaluated again when one of them changed.
    evaluated = permission_tables_after(selected)
    tags = {CHANGED_TYPES_TAG: ",".join(sorted(types))}
    if scopes:
        tags[SCOPE_TAG] = encode(scopes)
    return dg.RunRequest(
        partition_key=organization,
        asset_selection=[*(asset_key(name) for name in [*ordered, *evaluated]), FINDINGS_KEY],
        asset_check_keys=checks_reading(selected | set(evaluated)),
        run_key=f"{organization}:{newest.get('timestamp')}:{newest.get('id')}",
        tags=tags,
    )


def _moment(value: Any) -> datetime:
    return parse_timestamp(value) or datetime.min


def new_entries(entries: list[dict[str, Any]], state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Entries not seen before: newer than the cursor, or at its timestamp with an id not yet seen."""
    since = _moment(state["since"])
    seen = set(state.get("seen", ()))
    return [
        entry
        for entry in entries
        if _moment(entry.get("timestamp")) > since
        or (_moment(entry.get("timestamp")) == since and entry.get("id") not in seen)
    ]


def advance(state: Mapping[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The cursor after ``entries``: the newest timestamp and the ids seen at exactly that timestamp."""
    newest = max(entries, key=lambda entry: _moment(entry.get("timestamp")))
    moment = _moment(newest.get("timestamp"))
    seen = [entry.get("id") for entry in entries if _moment(entry.get("timestamp")) == moment]
    if moment == _moment(state["since"]):
        seen = [*state.get("seen", ()), *seen]
    return {"since": str(newest.get("timestamp")), "seen": seen}


def poll_audit_log(azure_devops: AzureDevOpsResource, organization: str, since: str) -> list[dict[str, Any]]:
    """Audit entries at or after ``since`` (ISO timestamp); one request when nothing happened."""
    endpoint = RESOURCE_TYPES[AUDIT_TYPE].endpoint
    with azure_devops.open_light_client(organization) as client:
        return client.list(endpoint, params={"startTime": since})


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dg.sensor(
    name=SENSOR_NAME,
    job=inventory_job,
    minimum_interval_seconds=int(os.environ.get(INTERVAL_ENV, DEFAULT_INTERVAL_S)),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Poll each enabled organization's audit log and refresh only the resource types that changed.",
)
def audit_log_change_sensor(
    context: dg.SensorEvaluationContext, azure_devops: AzureDevOpsResource
) -> dg.SensorResult:
    """Per organization: new audit entries → a targeted refresh run; the cursor keeps each org's position."""
    cursor: dict[str, Any] = json.loads(context.cursor) if context.cursor else {}
    requests: list[dg.RunRequest] = []
    tick = TickSummary()
    for integration in azure_devops.enabled_integrations():
        organization = integration.name
        state = cursor.get(organization)
        if state is None:
            # The first sync reads everything; watching starts now.
            cursor[organization] = {"since": _now_iso(), "seen": []}
            tick.started.append(organization)
            continue
        try:
            entries = new_entries(poll_audit_log(azure_devops, organization, state["since"]), state)
        except (AzureDevOpsError, IntegrationError) as exc:
            context.log.warning(f"{organization}: audit log not read this tick: {exc}")
            tick.failed.append(organization)
            continue
        tick.polled[organization] = (str(state["since"]), len(entries))
        if not entries:
            continue
        cursor[organization] = advance(state, entries)
        types = changed_types(entries)
        newest = max(entries, key=lambda entry: _moment(entry.get("timestamp")))
        if types:
            context.log.info(f"{organization}: {len(entries)} audit entries changed {', '.join(sorted(types))}")
            scopes = refresh_scopes(entries, types)
            if scopes:
                context.log.info(f"{organization}: only the named resources of {', '.join(sorted(scopes))}")
            requests.append(refresh_request(organization, types, newest, structural_types(entries), scopes))
    encoded = json.dumps(cursor, sort_keys=True)
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=encoded)
    # Without a run to request, the tick's line in the UI says what was looked at instead of "empty result".
    return dg.SensorResult(skip_reason=tick.describe(), cursor=encoded)


@dataclass
class TickSummary:
    """What one tick of the audit-log sensor looked at, for the line the UI shows for a tick without runs."""

    polled: dict[str, tuple[str, int]] = field(default_factory=dict)  # organization -> (since, new entries)
    started: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """E.g. "3 organizations polled, no audit entries since 14:02 UTC"."""
        if not (self.polled or self.started or self.failed):
            return "No organization enabled: connect one with `resmo-pipeline integrations add`"
        parts = []
        if self.polled:
            noun = "organization" if len(self.polled) == 1 else "organizations"
            entries = sum(count for _, count in self.polled.values())
            earliest = min(_moment(since) for since, _ in self.polled.values())
            when = earliest.strftime("%H:%M UTC") if earliest.date() == datetime.now(UTC).date() else (
                earliest.strftime("%Y-%m-%d %H:%M UTC"))
            found = (f"{entries} audit entries, none about a collected type" if entries
                     else f"no audit entries since {when}")
            parts.append(f"{len(self.polled)} {noun} polled, {found}")
        if self.started:
            parts.append(f"watching starts now for {', '.join(self.started)}")
        if self.failed:
            parts.append(f"audit log not readable for {', '.join(self.failed)} (see the tick's log)")
        return "; ".join(parts)
