"""Judging one organization against rules, honestly.

For each rule: if a table it requires was not collected for the organization (the latest
``meta.collection_runs`` status is not ``collected``: a missing PAT scope, an ``unavailable`` endpoint or
service, a failure; or nothing was ever collected), the result is ``not_evaluable`` with the reason —
never ``passed``. Otherwise the rule's query runs with the organization's parameters and its rows are the
violations. A rule whose SQL fails is ``error`` and the others go on. Findings, results and rule
metadata are then written in the caller's transaction.

Rule queries run on a separate cursor of the same database: a failing query would otherwise abort the
caller's write transaction. They therefore see committed data only. That cursor is prepared by
``vocabulary.rule_connection``: the shared SQL macros exist on it (as TEMP macros, never stored in the file)
and every ``azure_devops.<table>`` it reads shows only the evaluated organization's rows.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from resmo_pipeline.compliance.findings import (
    VIOLATION_COLUMNS,
    ensure_compliance_schema,
    merge_findings,
    record_rule_results,
    record_rules,
)
from resmo_pipeline.compliance.links import GROUP_TYPES, group_project, resource_url
from resmo_pipeline.compliance.model import FINDINGS_SHOWN, Rule, RuleResult, RuleStatus
from resmo_pipeline.compliance.params import ParameterConfig, load_parameters
from resmo_pipeline.compliance.suppressions import Suppression, load_suppressions
from resmo_pipeline.compliance.vocabulary import cache_shared_table_macros, rule_connection
from resmo_pipeline.warehouse.schema import table_exists


def utc_now() -> dt.datetime:
    """Now in UTC as a naive timestamp (the warehouse stores UTC without zone)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def table_availability(
    conn: duckdb.DuckDBPyConnection, tables: Iterable[str], organization: str
) -> dict[str, str | None]:
    """For each inventory table: None if it holds a current collection for the organization, else why not."""
    latest: dict[str, tuple[str, str | None, str | None]] = {}
    if table_exists(conn, "meta", "collection_runs"):
        rows = conn.execute(
            """
            SELECT resource_type, arg_max(status, started_at), arg_max(required_scope, started_at),
                   arg_max(error, started_at)
            FROM meta.collection_runs WHERE organization = ? GROUP BY resource_type
            """,
            [organization],
        ).fetchall()
        latest = {row[0]: (row[1], row[2], row[3]) for row in rows}
    availability: dict[str, str | None] = {}
    for table in dict.fromkeys(tables):
        where = f"azure_devops.{table}"
        if table in latest:
            status, scope, error = latest[table]
            if status == "collected" and table_exists(conn, "azure_devops", table):
                availability[table] = None
            elif status == "not_collected":
                needs = f" (the credential lacks PAT scope {scope})" if scope else ""
                availability[table] = f"{where} was not collected for {organization}: permission denied{needs}"
            elif status == "unavailable":
                why = f": {error}" if error else ""
                availability[table] = f"{where} is unavailable for {organization}{why}"
            elif status == "collected":
                availability[table] = f"{where} is recorded as collected for {organization} but does not exist"
            else:
                detail = f": {error}" if error else ""
                availability[table] = f"the last collection of {where} for {organization} {status}{detail}"
        elif (
            table_exists(conn, "azure_devops", table)
            and conn.execute(
                f'SELECT count(*) > 0 FROM azure_devops."{table}" WHERE organization = ?', [organization]
            ).fetchall()[0][0]
        ):
            availability[table] = None
        else:
            availability[table] = f"{where} has never been collected for {organization}"
    return availability


def run_rule(
    cursor: duckdb.DuckDBPyConnection, rule: Rule, organization: str, values: Mapping[str, Any]
) -> pd.DataFrame:
    """The rule's violations for one organization (VIOLATION_COLUMNS, one row per resource).

    ``cursor`` must come from ``rule_connection(..., organization)``; the outer filter on ``organization`` only
    guards the output (a rule returning a constant organization, say).

    A rule judging several tables may return a ``resource_type`` column naming each row's table; findings are
    keyed by (rule, organization, resource type, resource id).
    """
    arguments = {"organization": organization, **values}
    frame = cursor.execute(
        f"SELECT * FROM ({rule.sql}) AS violations WHERE organization = $organization",
        {name: arguments[name] for name in dict.fromkeys(["organization", *rule.parameter_names])},
    ).df()
    frame = frame.reindex(columns=list(dict.fromkeys([*VIOLATION_COLUMNS, *frame.columns])))
    frame = frame.astype(object).where(frame.notna(), None)
    frame["rule_id"] = rule.id
    frame["resource_type"] = frame["resource_type"].fillna(rule.resource_type)
    frame["severity"] = rule.severity.value
    frame["resource_id"] = frame["resource_id"].astype(str)
    frame["resource_name"] = frame["resource_name"].fillna(frame["resource_id"])
    frame = frame.drop_duplicates(subset=["resource_type", "resource_id"], keep="first")
    if frame.empty:
        return frame[list(VIOLATION_COLUMNS)]
    unscoped_groups = frame["project_name"].isna() & frame["resource_type"].isin(GROUP_TYPES)
    if unscoped_groups.any():  # "[Payments]\Project Administrators" belongs to Payments
        frame.loc[unscoped_groups, "project_name"] = [
            group_project(name, organization) for name in frame.loc[unscoped_groups, "resource_name"]
        ]
    missing = frame["url"].isna()
    if missing.any():  # only rows without their own url need a derived link
        linked = frame.loc[missing]
        ids = linked["id"] if "id" in linked.columns else [None] * len(linked)
        frame.loc[missing, "url"] = [
            resource_url(kind, organization, {"project_name": project, "resource_id": rid, "resource_name": name,
                                              "id": own_id})
            for kind, project, rid, name, own_id in zip(
                linked["resource_type"], linked["project_name"], linked["resource_id"], linked["resource_name"], ids,
                strict=True,
            )
        ]
    return frame[list(VIOLATION_COLUMNS)]


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation produced, plus how long rules and the findings update took (seconds)."""

    results: tuple[RuleResult, ...]
    run_id: str
    evaluated_at: dt.datetime
    rules_s: float


def evaluate(
    conn: duckdb.DuckDBPyConnection,
    rules: Sequence[Rule],
    organization: str,
    params: ParameterConfig | None = None,
    run_id: str | None = None,
    *,
    suppressions: Sequence[Suppression] | None = None,
    now: dt.datetime | None = None,
) -> list[RuleResult]:
    """Evaluate ``rules`` for one organization and update the compliance tables (see module docstring).

    ``params`` defaults to the overrides file, ``suppressions`` to the suppressions file, ``now`` to the
    current UTC time. Raises ParameterConfigError/SuppressionFileError when those files are invalid.
    """
    return list(
        evaluate_with_timing(conn, rules, organization, params, run_id, suppressions=suppressions, now=now).results
    )


def evaluate_with_timing(
    conn: duckdb.DuckDBPyConnection,
    rules: Sequence[Rule],
    organization: str,
    params: ParameterConfig | None = None,
    run_id: str | None = None,
    *,
    suppressions: Sequence[Suppression] | None = None,
    now: dt.datetime | None = None,
) -> Evaluation:
    """Like evaluate(), also reporting the run id, timestamp and seconds spent."""
    started = time.perf_counter()
    organization = organization.lower()
    now = now or utc_now()
    run_id = run_id or uuid.uuid4().hex
    params = params if params is not None else load_parameters()
    params.validate(rules, all_rules=False)
    suppressions = tuple(suppressions) if suppressions is not None else load_suppressions()

    ensure_compliance_schema(conn)
    record_rules(conn, rules, now)
    availability = table_availability(conn, [table for rule in rules for table in rule.requires], organization)

    statuses: dict[str, tuple[RuleStatus, str | None]] = {}
    durations: dict[str, float] = {}
    frames: list[pd.DataFrame] = []
    cursor = conn.cursor()
    try:
        with rule_connection(cursor, organization):
            runnable = [rule.sql for rule in rules if not any(availability[table] for table in rule.requires)]
            cache_shared_table_macros(cursor, runnable)
            for rule in rules:
                missing = [availability[table] for table in rule.requires if availability[table]]
                if missing:
                    statuses[rule.id] = (RuleStatus.NOT_EVALUABLE, "; ".join(missing))
                    continue
                rule_started = time.perf_counter()
                try:
                    frames.append(run_rule(cursor, rule, organization, params.for_rule(rule, organization)))
                except duckdb.Error as exc:
                    statuses[rule.id] = (RuleStatus.ERROR, f"the rule's query failed: {exc}")
                else:
                    statuses[rule.id] = (RuleStatus.PASSED, None)
                durations[rule.id] = (time.perf_counter() - rule_started) * 1000
    finally:
        cursor.close()

    evaluated = [rule_id for rule_id, (status, _) in statuses.items() if status is RuleStatus.PASSED]
    violations = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(VIOLATION_COLUMNS))
    matched = merge_findings(
        conn,
        organization=organization,
        evaluated_rule_ids=evaluated,
        violations=violations,
        suppressions=suppressions,
        now=now,
        run_id=run_id,
    )
    by_rule = {rule_id: group for rule_id, group in matched.groupby("rule_id", sort=False)}
    shown = matched.groupby("rule_id", sort=False).head(FINDINGS_SHOWN)
    shown_rows: dict[str, list[dict[str, Any]]] = {}
    for row in shown.astype(object).where(shown.notna(), None).to_dict("records"):  # one conversion for all rules
        shown_rows.setdefault(row["rule_id"], []).append(row)
    results: list[RuleResult] = []
    for rule in rules:
        status, reason = statuses[rule.id]
        group = by_rule.get(rule.id)
        if status is not RuleStatus.PASSED or group is None:
            results.append(RuleResult(rule.id, organization, status, reason=reason))
            continue
        suppressed = int(group["is_suppressed"].sum())
        open_count = len(group) - suppressed
        results.append(
            RuleResult(
                rule_id=rule.id,
                organization=organization,
                status=RuleStatus.FAILED if open_count else RuleStatus.PASSED,
                violations=open_count,
                suppressed=suppressed,
                findings=tuple(shown_rows.get(rule.id, ())),
            )
        )
    record_rule_results(conn, results, run_id=run_id, now=now, durations_ms=durations)
    return Evaluation(tuple(results), run_id, now, time.perf_counter() - started)


def evaluate_warehouse(
    database: str | Path,
    organization: str,
    rules: Sequence[Rule] | None = None,
    run_id: str | None = None,
) -> Evaluation:
    """Evaluate every loaded rule (or ``rules``) for one organization in the warehouse file, in one write.

    For benchmarks and scripts; in Dagster each rule runs as its own asset check instead.
    """
    from resmo_pipeline.compliance.loader import load_rules
    from resmo_pipeline.warehouse.access import write_connection

    selected = list(rules) if rules is not None else list(load_rules().rules)
    with write_connection(database) as conn:
        return evaluate_with_timing(conn, selected, organization, run_id=run_id)
