"""What a rule's asset check reports: its result (status, severity, counts, the violating resources as a table, a
description naming the first of them), the one-line summary of a step, and the results a run recorded already.

Severity: critical/high → ERROR, medium/low → WARN. Not evaluable is a failed check with WARN severity (Dagster
has no "skipped" result; ``passed=True`` would show a green check for a rule never judged); an error is a failed
ERROR result. See compliance.checks for how the checks are built and run.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg

from resmo_pipeline.compliance.model import FINDINGS_SHOWN, Rule, RuleResult, RuleStatus, Severity
from resmo_pipeline.inventory import presentation

_STATUS_ORDER = (RuleStatus.ERROR, RuleStatus.FAILED, RuleStatus.NOT_EVALUABLE, RuleStatus.PASSED)


def check_severity(severity: Severity) -> dg.AssetCheckSeverity:
    """critical/high violations are errors in Dagster, medium/low are warnings."""
    if severity in (Severity.CRITICAL, Severity.HIGH):
        return dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckSeverity.WARN


def rule_asset_key(resource_type: str) -> dg.AssetKey:
    """The asset a rule's check is on: its resource type's table."""
    return dg.AssetKey(["azure_devops", resource_type])


def _finding_status(row: Mapping[str, Any]) -> str:
    if not row.get("is_suppressed"):
        return "open"
    return f"suppressed ({row.get('suppression_reason') or ''}, owner {row.get('suppression_owner') or ''})"


_VIOLATION_TABLE_COLUMNS = {
    "resource": "The violating resource",
    "project": "Its project (empty for organization-level resources)",
    "status": "open, or suppressed (with the reason and owner)",
    "message": "What is wrong",
    "link": "The resource in Azure DevOps",
}


def violations_table(findings: Sequence[Mapping[str, Any]], limit: int = FINDINGS_SHOWN) -> dg.TableMetadataValue:
    """The first violations as a table metadata value (the check's "violating_resources" entry)."""
    rows = [
        {"resource": row.get("resource_name") or row.get("resource_id"), "project": row.get("project_name"),
         "status": _finding_status(row), "message": row.get("message"), "link": row.get("url")}
        for row in findings[:limit]
    ]
    return presentation.text_table(rows, _VIOLATION_TABLE_COLUMNS)


def failure_description(rule: Rule, violations: int, findings: Sequence[Mapping[str, Any]], named: int = 3) -> str:
    """What a failed check's execution history shows: the count, the rule and the first resources it flags."""
    names = [str(row.get("resource_name") or row.get("resource_id")) for row in findings
             if not row.get("is_suppressed")][:named]
    more = f" and {violations - len(names)} more" if violations > len(names) else ""
    noun = "violation" if violations == 1 else "violations"
    return f"{violations} {noun} of {rule.title.rstrip('.')}: {', '.join(names)}{more}"


def check_result(rule: Rule, results: Sequence[RuleResult]) -> dg.AssetCheckResult:
    """The Dagster result for one rule judged on one or more organizations."""
    result = _check_result(rule, results)
    return result._replace(asset_key=rule_asset_key(rule.resource_type), check_name=rule.check_name)


def _check_result(rule: Rule, results: Sequence[RuleResult]) -> dg.AssetCheckResult:
    status = next(s for s in _STATUS_ORDER if any(r.status is s for r in results)) if results else None
    organizations = [r.organization for r in results]
    reasons = [f"{r.organization}: {r.reason}" if len(results) > 1 else r.reason for r in results if r.reason]
    violations = sum(r.violations for r in results)
    suppressed = sum(r.suppressed for r in results)
    findings = [row for r in results for row in r.findings]
    metadata: dict[str, Any] = {
        "status": status.value if status else "not_evaluable",
        "organization": ", ".join(organizations) or "(none)",
        "violations": violations,
        "suppressed": suppressed,
    }
    if findings:
        metadata["violating_resources"] = violations_table(findings)
        if violations + suppressed > len(findings):
            metadata["listed"] = (
                f"the first {len(findings)} of {violations + suppressed}; all are in compliance.findings"
            )
    if reasons:
        metadata["reason"] = "; ".join(reasons)
    if status is RuleStatus.PASSED:
        return dg.AssetCheckResult(passed=True, metadata=metadata, severity=check_severity(rule.severity))
    if status is RuleStatus.FAILED:
        return dg.AssetCheckResult(
            passed=False, metadata=metadata, severity=check_severity(rule.severity),
            description=failure_description(rule, violations, findings),
        )
    if status is RuleStatus.ERROR:
        return dg.AssetCheckResult(
            passed=False,
            metadata=metadata,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"Error: {metadata.get('reason', 'the rule could not run')}",
        )
    reason = metadata.get("reason") or "no organization has been collected yet"
    metadata["reason"] = reason
    return dg.AssetCheckResult(
        passed=False, metadata=metadata, severity=dg.AssetCheckSeverity.WARN, description=f"Not evaluable: {reason}"
    )


def stored_results(
    rules: Sequence[Rule], organizations: Sequence[str], database: str, run_id: str
) -> dict[str, list[RuleResult]]:
    """The results this run recorded already (the findings asset evaluated these rules), by rule id, for the
    rules that have one for every organization; each with its first ``FINDINGS_SHOWN`` findings, open first."""
    from resmo_pipeline.warehouse.access import write_connection
    from resmo_pipeline.warehouse.schema import table_exists

    if not rules or not organizations:
        return {}
    ids = [rule.id for rule in rules]
    with write_connection(database, publish_after_s=None) as conn:
        if not (table_exists(conn, "compliance", "rule_results") and table_exists(conn, "compliance", "findings")):
            return {}
        recorded = conn.execute(
            "SELECT rule_id, organization, status, violations, suppressed, reason FROM compliance.rule_results"
            " WHERE run_id = ? AND list_contains(?, organization) AND list_contains(?, rule_id)",
            [run_id, list(organizations), ids],
        ).fetchall()
        shown = conn.execute(
            f"""
            SELECT rule_id, organization, resource_id, resource_name, project_name, url, message,
                   status = 'suppressed' AS is_suppressed, suppression_reason, suppression_owner
            FROM compliance.findings
            WHERE last_run_id = ? AND list_contains(?, organization) AND list_contains(?, rule_id)
              AND status IN ('open', 'suppressed')
            QUALIFY row_number() OVER (PARTITION BY rule_id, organization
                                       ORDER BY is_suppressed, resource_name, resource_id) <= {FINDINGS_SHOWN}
            ORDER BY rule_id, organization, is_suppressed, resource_name, resource_id
            """,
            [run_id, list(organizations), ids],
        )
        columns = [column[0] for column in shown.description]
        rows = [dict(zip(columns, row, strict=True)) for row in shown.fetchall()]
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_key.setdefault((row["rule_id"], row["organization"]), []).append(row)
    results: dict[str, list[RuleResult]] = {}
    for rule_id, organization, status, violations, suppressed, reason in recorded:
        results.setdefault(rule_id, []).append(
            RuleResult(rule_id, organization, RuleStatus(status), int(violations or 0), int(suppressed or 0), reason,
                       tuple(by_key.get((rule_id, organization), ())))
        )
    return {rule_id: found for rule_id, found in results.items() if len(found) == len(set(organizations))}


def evaluation_summary(results: Iterable[Sequence[RuleResult]]) -> str:
    """One line for the run's log: how many rules passed, failed, were not evaluable or errored, per
    organization, and the violations found (each rule's own result is its check's; one log event per rule
    would cost the step more than the rules' queries)."""
    by_organization: dict[str, dict[RuleStatus, int]] = {}
    violations: dict[str, int] = {}
    for rule_results in results:
        for result in rule_results:
            counts = by_organization.setdefault(result.organization, {})
            counts[result.status] = counts.get(result.status, 0) + 1
            violations[result.organization] = violations.get(result.organization, 0) + result.violations
    if not by_organization:
        return "compliance rules: no organization to evaluate"
    parts = []
    for organization, counts in sorted(by_organization.items()):
        statuses = ", ".join(f"{counts[status]} {status.value}" for status in _STATUS_ORDER if counts.get(status))
        rules = sum(counts.values())
        parts.append(f"{organization}: {rules} rules ({statuses}), {violations[organization]} violation(s)")
    return "compliance rules on " + "; ".join(parts)
