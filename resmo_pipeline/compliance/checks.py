"""Every rule as a Dagster asset check on its resource type's asset.

Design choices (see dagster-notes §0.8 and §2.3):

- **Non-blocking, unpartitioned checks that judge the run's organization.** Partitioned asset checks are still
  a preview feature in Dagster 1.13, and an unpartitioned check that scanned every organization on every run
  would redo all of them each time. So the check reads the run's partition (the organization, from the run's
  ``dagster/partition`` tag) and evaluates that one; run without a partition (e.g. "Execute" on the check in the
  UI) it evaluates every organization in the warehouse. The UI shows the latest result, whose metadata names
  the organization; the per-organization history is in ``compliance.rule_results`` and ``compliance.findings``.
- **Severity:** critical/high → ERROR, medium/low → WARN. Checks never block: a violation is a finding, not a
  failed sync.
- **Not evaluable is a failed check with WARN severity** and ``status: not_evaluable`` plus the reason in its
  metadata and description. Dagster has no "skipped" check result; reporting ``passed=True`` would show a
  green check for a rule that was never judged, so it is shown as a warning instead. A rule whose query errors
  is a failed ERROR result with ``status: error`` (the run itself still succeeds).
- **One step, one check per rule.** Every rule is its own asset check in the UI (its own result, description
  and history, on its resource type's asset), and all of them belong to one ``multi_asset_check`` step,
  ``compliance_rules``. With 150+ rules, a step per rule, or per resource type, cost more in Dagster step
  overhead and connection set-up than the rules' queries themselves. The step can be subset: a run that selects
  only some checks (the audit-log sensor's refreshes) judges only those.
- **Evaluated once, by the findings asset.** ``compliance/findings`` (compliance.assets) evaluates the run's
  rules in batches of ``RULES_PER_TRANSACTION`` (one vocabulary set-up and one findings update per batch, each
  batch its own transaction, so DuckDB's memory limit holds). The checks depend on that asset
  (``additional_deps``), so they run after it, and report its results from ``compliance.rule_results``. A run
  without the findings asset (a check executed alone in the UI) evaluates its rules in the check step.
- ``additional_deps`` on the tables the rules read make the step run after all of them in the same run.
- **Readable in the UI.** A check's description is one line with the parameter values filled in; severity,
  anchors, rationale and remediation are entries of their own. A failed result names the first resources it
  flags and lists the violating resources as a table. Dagster names a check by the rule id with ``_`` for
  ``.`` (``sc_inactive`` for ``sc.inactive``): Dagster names allow no dots. The step's log uses that name;
  ``rule_id`` is the id SQL and the command line use (both spellings are accepted there).
"""

import logging
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

import dagster as dg

from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.model import FINDINGS_SHOWN, Rule, RuleResult, RuleStatus, Severity
from resmo_pipeline.compliance.params import ParameterConfigError, load_parameters
from resmo_pipeline.compliance.suppressions import SuppressionFileError
from resmo_pipeline.inventory import presentation
from resmo_pipeline.warehouse.resource import WarehouseResource

log = logging.getLogger(__name__)

PARTITION_TAG = "dagster/partition"
CHECKS_STEP = "compliance_rules"
#: The step of the compliance/findings asset, which evaluates the rules of a run.
FINDINGS_STEP = "compliance__findings"
#: Rules evaluated (and their findings merged) per warehouse transaction: bounds DuckDB's memory per batch.
RULES_PER_TRANSACTION = 40

_STATUS_ORDER = (RuleStatus.ERROR, RuleStatus.FAILED, RuleStatus.NOT_EVALUABLE, RuleStatus.PASSED)


def check_severity(severity: Severity) -> dg.AssetCheckSeverity:
    """critical/high violations are errors in Dagster, medium/low are warnings."""
    if severity in (Severity.CRITICAL, Severity.HIGH):
        return dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckSeverity.WARN


def _asset_key(resource_type: str) -> dg.AssetKey:
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
    return result._replace(asset_key=_asset_key(rule.resource_type), check_name=rule.check_name)


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


def _organizations(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> list[str]:
    partition = context.run.tags.get(PARTITION_TAG)
    if partition:
        return [partition]
    from resmo_pipeline.warehouse.access import write_connection

    with write_connection(warehouse.path, publish_after_s=None) as conn:
        collected = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'meta' AND table_name = 'collection_runs'"
        ).fetchall()
        found = (
            conn.execute("SELECT DISTINCT organization FROM meta.collection_runs ORDER BY 1").fetchall()
            if collected
            else []
        )
    return [row[0] for row in found]


def evaluate_for_check(
    rules: Sequence[Rule], organizations: Sequence[str], database: str, run_id: str
) -> dict[str, list[RuleResult]]:
    """Evaluate rules for each organization, writing their findings, ``RULES_PER_TRANSACTION`` rules per
    transaction; the results by rule id. A batch that runs out of DuckDB memory is rolled back and evaluated
    again with more."""
    results: dict[str, list[RuleResult]] = {rule.id: [] for rule in rules}
    # By area: rules of one area (the attack paths, say) share the costly macros cached once per batch.
    ordered = sorted(rules, key=lambda rule: rule.id)
    batches = [ordered[i : i + RULES_PER_TRANSACTION] for i in range(0, len(ordered), RULES_PER_TRANSACTION)]
    for organization in organizations:
        for batch in batches:
            for result in _evaluate_batch(batch, organization, database, run_id):
                results[result.rule_id].append(result)
    return results


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


def _evaluate_batch(rules: Sequence[Rule], organization: str, database: str, run_id: str) -> list[RuleResult]:
    from resmo_pipeline.warehouse import access

    def run() -> list[RuleResult]:
        # Readers catch up at the end of the run (or on their next read), not after each batch.
        with access.write_connection(database, publish_after_s=None) as conn:
            return evaluate(conn, rules, organization, run_id=run_id)

    return access.retry_out_of_memory(run, lambda message: log.warning("Rules on %s: %s", organization, message))


def _default_parameters(rule: Rule) -> dict[str, Any]:
    """The parameter values that apply to every organization (rule defaults, then the overrides file's
    ``defaults``); the rule's own defaults if that file is invalid (the check then reports the error)."""
    try:
        return load_parameters().for_rule(rule, "")
    except ParameterConfigError:
        return dict(rule.params)


def _check_spec(
    rule: Rule, asset_keys: Collection[dg.AssetKey] | None, after: Sequence[dg.AssetKey] = ()
) -> dg.AssetCheckSpec:
    """The UI's view of one rule: a non-blocking check on its resource type's asset, after every table it reads
    (and ``after``: the findings asset, whose evaluation it reports).

    The description is one line with the parameter values filled in; severity, anchors, rationale and
    remediation are entries of their own."""
    deps = [_asset_key(table) for table in rule.requires if table != rule.resource_type]
    if asset_keys is not None:
        deps = [key for key in deps if key in asset_keys]
    text = {name: " ".join(value.split()) for name, value in rule.rendered(_default_parameters(rule)).items()}
    metadata: dict[str, Any] = {
        "rule_id": rule.id,
        "severity": rule.severity.value,
        "anchors": "; ".join(f"{key}: {', '.join(value)}" for key, value in rule.anchors.items()) or "(none)",
        "rationale": text["rationale"],
        "remediation": text["remediation"],
        "source": rule.source,
    }
    if rule.path is not None:
        metadata.update(presentation.code_reference(rule.path, 1, label=f"rule {rule.id}"))
    return dg.AssetCheckSpec(
        name=rule.check_name,
        asset=_asset_key(rule.resource_type),
        description=f"{text['title'].rstrip('.')}. {text['description']}",
        blocking=False,
        additional_deps=[*deps, *after],
        metadata=metadata,
    )


def rules_of_run(
    rules: Sequence[Rule],
    check_selection: Collection[dg.AssetCheckKey] | None,
    asset_selection: Collection[dg.AssetKey] | None = None,
) -> list[Rule]:
    """The rules a run evaluates: those whose checks it selected; without a check selection, those judging or
    reading the assets it selected (a `sync --types` run); every rule in a run of everything."""
    if check_selection:
        return [rule for rule in rules
                if dg.AssetCheckKey(_asset_key(rule.resource_type), rule.check_name) in check_selection]
    tables = {key.path[-1] for key in asset_selection or () if key.path[0] == _asset_key("").path[0]}
    if not tables:  # everything, or the findings asset alone
        return list(rules)
    return [rule for rule in rules if rule.resource_type in tables or tables.intersection(rule.requires)]


def build_rule_checks(
    rules: Sequence[Rule],
    asset_keys: Collection[dg.AssetKey] | None = None,
    name: str = CHECKS_STEP,
    findings_key: dg.AssetKey | None = None,
) -> dg.AssetChecksDefinition:
    """The checks of these rules (one per rule, on its resource type's asset), in one step. With
    ``findings_key``, they run after that asset and report the results of its evaluation in the same run."""
    by_key = {dg.AssetCheckKey(_asset_key(rule.resource_type), rule.check_name): rule for rule in rules}
    after = [findings_key] if findings_key is not None else []

    @dg.multi_asset_check(
        name=name,
        specs=[_check_spec(rule, asset_keys, after) for rule in rules],
        can_subset=True,
        description="The compliance rules: each is one asset check on the resource type it judges.",
    )
    def _compliance_checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [rule for key, rule in by_key.items() if key in context.selected_asset_check_keys]
        organizations = _organizations(context, warehouse)
        # The findings asset of this run evaluated the rules already: report its results, evaluate the rest.
        results = stored_results(selected, organizations, warehouse.path, context.run.run_id)
        pending = [rule for rule in selected if rule.id not in results]
        if pending:
            try:
                results.update(evaluate_for_check(pending, organizations, warehouse.path, context.run.run_id))
            except (ParameterConfigError, SuppressionFileError) as exc:  # a broken config file: say so on each check
                context.log.error(f"compliance rules: {exc}")
                results.update({
                    rule.id: [RuleResult(rule.id, org, RuleStatus.ERROR, reason=str(exc)) for org in organizations]
                    for rule in pending
                })
            context.log.info(evaluation_summary(results[rule.id] for rule in pending))
        for rule in selected:
            for result in results[rule.id]:
                if result.status is RuleStatus.ERROR:
                    context.log.error(f"{rule.check_name} on {result.organization}: {result.reason}")
            yield check_result(rule, results[rule.id])

    return _compliance_checks


def build_compliance_check(rule: Rule, asset_keys: Collection[dg.AssetKey] | None = None) -> dg.AssetChecksDefinition:
    """The check of one rule alone (a step of its own), e.g. to run a single rule in a test."""
    return build_rule_checks([rule], asset_keys, name=f"compliance_{rule.check_name}")


def build_compliance_checks(
    rules: Sequence[Rule],
    asset_keys: Collection[dg.AssetKey] | None = None,
    findings_key: dg.AssetKey | None = None,
) -> list[dg.AssetChecksDefinition]:
    """The checks of every rule, in one step. With ``asset_keys`` (the assets defined), rules on absent assets
    are left out."""
    kept = checkable_rules(rules, asset_keys)
    return [build_rule_checks(kept, asset_keys, findings_key=findings_key)] if kept else []


def checkable_rules(rules: Sequence[Rule], asset_keys: Collection[dg.AssetKey] | None) -> list[Rule]:
    """The rules whose resource type has an asset (all of them without ``asset_keys``)."""
    kept = []
    for rule in rules:
        if asset_keys is not None and _asset_key(rule.resource_type) not in asset_keys:
            log.warning(
                "Rule %s judges %s, which has no asset here; its check is left out.", rule.id, rule.resource_type
            )
            continue
        kept.append(rule)
    return kept


def loadable_rules() -> list[Rule]:
    """Every loadable rule; broken custom rules are logged and skipped, never breaking the code location."""
    from resmo_pipeline.compliance.loader import load_rules

    rule_set = load_rules()
    for error in rule_set.errors:
        log.warning("Rule not loaded: %s", error)
    try:
        load_parameters().validate(rule_set.rules)
    except ParameterConfigError as exc:  # reported now; each check reports it again when it runs
        log.warning("Rule parameters file is invalid: %s", exc)
    return list(rule_set.rules)


def compliance_seconds(instance: dg.DagsterInstance, run_id: str, rules: Sequence[Rule]) -> float:
    """Seconds a run spent on the rules: evaluating them and updating the findings (the findings asset's step),
    and reporting them (the checks' step)."""
    steps = {CHECKS_STEP, FINDINGS_STEP, *(f"compliance_{rule.check_name}" for rule in rules)}
    return sum(
        (stats.end_time or stats.start_time or 0.0) - (stats.start_time or 0.0)
        for stats in instance.get_run_step_stats(run_id)
        if stats.step_key in steps
    )
