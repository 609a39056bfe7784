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
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import dagster as dg

from resmo_pipeline.compliance.check_results import (
    check_result,
    evaluation_summary,
    rule_asset_key,
    stored_results,
)
from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.model import Rule, RuleResult, RuleStatus
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
    deps = [rule_asset_key(table) for table in rule.requires if table != rule.resource_type]
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
        asset=rule_asset_key(rule.resource_type),
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
                if dg.AssetCheckKey(rule_asset_key(rule.resource_type), rule.check_name) in check_selection]
    tables = {key.path[-1] for key in asset_selection or () if key.path[0] == rule_asset_key("").path[0]}
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
    by_key = {dg.AssetCheckKey(rule_asset_key(rule.resource_type), rule.check_name): rule for rule in rules}
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
        if asset_keys is not None and rule_asset_key(rule.resource_type) not in asset_keys:
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
