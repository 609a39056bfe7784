"""What the report shows, read from the warehouse: scores, open findings, their trend, and what changed.

Everything here only reads (through the read connection of ``warehouse.access``) and returns plain values, so
the page can be rendered and tested without a database. Timestamps are naive UTC, like the warehouse's.

- Scores: ``compliance.scores`` (per organization and framework, over the latest result of each rule).
- Findings: the open ones in ``compliance.findings`` now, whatever the period; grouped by severity, rule and
  project; each with its rule's remediation, parameter values filled in as the rule runs them.
- Trend: the number of open findings at the end of each day of the period, reconstructed from
  ``compliance.finding_events`` backwards from today's count (see :func:`open_trend`).
- Changes: see ``changes.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resmo_pipeline.compliance.model import Rule, Severity
from resmo_pipeline.compliance.report.changes import ChangeReport, read_changes, records

if TYPE_CHECKING:
    import duckdb

SEVERITIES: tuple[str, ...] = tuple(s.value for s in sorted(Severity, key=lambda s: -s.rank))
#: How each finding event moves the number of open findings (a suppression that starts leaves no event).
EVENT_DELTAS: Mapping[str, int] = {"new_finding": 1, "regression": 1, "suppression_expired": 1, "resolved": -1}
NO_PROJECT = "(organization level)"


class ReportDataError(RuntimeError):
    """The warehouse cannot answer the report; the message says why and what to do."""


class UnknownOrganizationError(ReportDataError):
    """``--org`` names an organization the warehouse holds nothing about."""


@dataclass(frozen=True)
class RuleFindings:
    """One rule's open findings in one organization, with what to do about them."""

    rule_id: str
    organization: str
    title: str
    severity: str
    remediation: str
    findings: list[dict[str, Any]]


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows, for one organization or all of them, over one period."""

    generated_at: dt.datetime
    since: dt.datetime
    organizations: list[str]
    scores: list[dict[str, Any]]
    severity_counts: dict[str, int]
    rule_counts: list[tuple[str, str, int]]  # (rule id, severity, open findings), most first
    project_counts: list[tuple[str, int]]  # (project, open findings), most first
    trend: list[tuple[dt.date, int]]
    events: dict[str, int]  # finding events in the period, per kind
    rules: list[RuleFindings]
    changes: ChangeReport
    warnings: list[str] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        """All open findings."""
        return sum(self.severity_counts.values())

    def overall_scores(self) -> list[dict[str, Any]]:
        """The ``framework = 'all'`` score of each organization."""
        return [row for row in self.scores if row["framework"] == "all"]


def _tables(conn: duckdb.DuckDBPyConnection) -> set[str]:
    rows = conn.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables").fetchall()
    return {name for (name,) in rows}


def known_organizations(conn: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    """Organizations the warehouse holds collection runs or compliance results for."""
    sources = [f"SELECT organization FROM {t}" for t in ("meta.collection_runs", "compliance.rule_results",
                                                         "compliance.findings") if t in tables]
    if not sources:
        return []
    rows = conn.execute(f"SELECT DISTINCT organization FROM ({' UNION ALL '.join(sources)}) ORDER BY 1").fetchall()
    return [org for (org,) in rows if org]


def open_findings(conn: duckdb.DuckDBPyConnection, organization: str | None) -> list[dict[str, Any]]:
    """Every open finding, worst first, then by rule, organization, project and resource."""
    order = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SEVERITIES))
    return records(
        conn,
        f"""
        SELECT rule_id, organization, resource_type, resource_id, resource_name, project_name, url, severity,
               message, file_path, line, first_seen, reopened_count
        FROM compliance.findings
        WHERE status = 'open' AND ($1::VARCHAR IS NULL OR organization = $1)
        ORDER BY CASE severity {order} ELSE 99 END, rule_id, organization, project_name NULLS FIRST,
                 resource_name, resource_id
        """,
        [organization],
    )


def scores(conn: duckdb.DuckDBPyConnection, organization: str | None) -> list[dict[str, Any]]:
    """``compliance.scores`` rows: the overall score ('all') first, then each framework by name."""
    return records(
        conn,
        "SELECT * FROM compliance.scores WHERE ($1::VARCHAR IS NULL OR organization = $1)"
        " ORDER BY organization, framework <> 'all', framework",
        [organization],
    )


def open_trend(
    open_now: int, events: Sequence[tuple[str, dt.datetime]], since: dt.datetime, now: dt.datetime
) -> list[tuple[dt.date, int]]:
    """Open findings at the end of each day from ``since`` to ``now`` (today's point: now).

    Walks back from today's count through the events (new finding, regression and expired suppression add one,
    resolved removes one), so the last point always equals the open findings listed. A suppression that starts
    records no event, so before one the count may read a little low; it never goes below zero.
    """
    days = [(since.date() + dt.timedelta(days=n)) for n in range((now.date() - since.date()).days + 1)]
    points: list[tuple[dt.date, int]] = []
    for day in days:
        end = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), now)
        later = sum(EVENT_DELTAS.get(kind, 0) for kind, at in events if at >= end)
        points.append((day, max(open_now - later, 0)))
    return points


def _period_events(
    conn: duckdb.DuckDBPyConnection, organization: str | None, since: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    return conn.execute(
        "SELECT kind, occurred_at FROM compliance.finding_events"
        " WHERE occurred_at >= $2 AND ($1::VARCHAR IS NULL OR organization = $1) ORDER BY occurred_at",
        [organization, since],
    ).fetchall()


def _rule_texts(
    conn: duckdb.DuckDBPyConnection, organizations: Sequence[str], warnings: list[str]
) -> dict[tuple[str, str], tuple[str, str]]:
    """(organization, rule id) → (title, remediation) as users read them, parameter values filled in.

    The rules come from ``compliance.rules``: the metadata of the rules as the evaluation that found the
    findings loaded them (built-in and RESMO_RULES_DIR). Loading the rule files again would validate every
    one of them (seconds) for the same texts. Parameter values are the organization's, from rules.yaml.
    """
    from resmo_pipeline.compliance.params import ParameterConfigError, load_parameters

    try:
        parameters = load_parameters()
    except ParameterConfigError as error:
        warnings.append(f"{error}; remediation texts show the rules' default parameter values")
        parameters = None
    texts: dict[tuple[str, str], tuple[str, str]] = {}
    for row in records(conn, "SELECT rule_id, title, severity, resource_type, description, rationale, remediation,"
                              " CAST(params AS VARCHAR) AS params FROM compliance.rules"):
        rule = Rule(id=row["rule_id"], title=row["title"] or row["rule_id"], severity=Severity(row["severity"]),
                    resource_type=row["resource_type"] or "", description=row["description"] or "",
                    rationale=row["rationale"] or "", remediation=row["remediation"] or "", sql="",
                    params=json.loads(row["params"] or "{}"))
        for organization in organizations:
            values = parameters.for_rule(rule, organization) if parameters else dict(rule.params)
            text = rule.rendered(values)
            texts[organization, rule.id] = (text["title"], text["remediation"])
    return texts


def _by_rule(findings: list[dict[str, Any]], texts: Mapping[tuple[str, str], tuple[str, str]]) -> list[RuleFindings]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for finding in findings:
        groups.setdefault((finding["organization"], finding["rule_id"]), []).append(finding)
    sections = []
    for (organization, rule_id), items in groups.items():
        title, remediation = texts.get((organization, rule_id), (rule_id, ""))
        sections.append(RuleFindings(rule_id, organization, title, items[0]["severity"], remediation, items))
    return sections


def collect(
    conn: duckdb.DuckDBPyConnection,
    *,
    organization: str | None,
    since: dt.datetime,
    now: dt.datetime,
    change_limit: int = 300,
) -> ReportData:
    """Read everything the report shows; ``organization`` None means every organization."""
    tables = _tables(conn)
    needed = {"compliance.findings", "compliance.finding_events", "compliance.rule_results", "compliance.rules"}
    if not needed <= tables:
        raise ReportDataError(
            "The warehouse holds no compliance results yet: rules run after each sync. Run `resmo-pipeline demo` "
            "(the simulated organization) or `resmo-pipeline sync`, then the report again."
        )
    known = known_organizations(conn, tables)
    if organization is not None:
        organization = organization.lower()
        if organization not in known:
            listed = ", ".join(known) or "none yet"
            raise UnknownOrganizationError(
                f"The warehouse holds nothing about the organization {organization!r}. Known organizations: "
                f"{listed}."
            )
    organizations = [organization] if organization else known
    warnings: list[str] = []
    findings = open_findings(conn, organization)
    severity_counts = dict.fromkeys(SEVERITIES, 0)
    severity_counts.update(Counter(f["severity"] for f in findings))
    rule_severity = {f["rule_id"]: f["severity"] for f in findings}
    rule_counts = [(rule_id, rule_severity[rule_id], count)
                   for rule_id, count in Counter(f["rule_id"] for f in findings).most_common()]
    project_counts = Counter(f["project_name"] or NO_PROJECT for f in findings).most_common()
    events = _period_events(conn, organization, since)
    return ReportData(
        generated_at=now,
        since=since,
        organizations=organizations,
        scores=scores(conn, organization),
        severity_counts=severity_counts,
        rule_counts=rule_counts,
        project_counts=project_counts,
        trend=open_trend(len(findings), events, since, now),
        events=dict(Counter(kind for kind, _at in events)),
        rules=_by_rule(findings, _rule_texts(conn, organizations, warnings)),
        changes=read_changes(conn, tables, organization=organization, since=since, limit=change_limit),
        warnings=warnings,
    )
