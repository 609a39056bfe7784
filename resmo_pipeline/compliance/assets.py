"""``compliance/findings``: one organization's open findings, the first asset a security engineer opens.

Per organization partition, after the inventory tables the rules read, the asset evaluates the rules (those
whose checks the run selected, else those judging or reading the tables it selected, else every rule: a full sync,
or "Materialize" on this asset alone), which updates ``compliance.findings``, and records what is open now as its
materialization's metadata:

- ``open_findings``: a table of the open findings, most severe first (severity, rule, resource, project, first
  seen, link), at most ``FINDINGS_LISTED`` rows;
- ``failing_assets``: which assets have failing checks, worst first (Dagster's open-source catalog shows only
  partition status per asset; its combined "asset health" is a Dagster+ feature, so this is the list at a glance);
- ``open_total`` and ``open_<severity>``: counts, and ``score_<framework>``: the share of evaluated rules that
  pass, in percent. Numbers are plotted over time in the asset's Plots tab.

The rules' asset checks run after this asset in the same run (they depend on it) and report each rule's result
from ``compliance.rule_results`` of the run: one evaluation serves both.
"""

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from resmo_pipeline.compliance import findings as findings_module
from resmo_pipeline.compliance.check_results import evaluation_summary
from resmo_pipeline.compliance.checks import evaluate_for_check, rules_of_run
from resmo_pipeline.compliance.model import Rule, Severity
from resmo_pipeline.compliance.params import ParameterConfigError
from resmo_pipeline.compliance.suppressions import SuppressionFileError
from resmo_pipeline.inventory import presentation
from resmo_pipeline.inventory.assets import asset_key
from resmo_pipeline.inventory.partitions import organizations
from resmo_pipeline.warehouse.resource import WarehouseResource

FINDINGS_KEY = dg.AssetKey(["compliance", "findings"])
GROUP = "compliance"
#: Open findings listed in the materialization's table (all of them are in compliance.findings).
FINDINGS_LISTED = 100

_TABLE_COLUMNS = {
    "severity": "critical, high, medium, low or info",
    "rule": "The rule's id (compliance.rules; `resmo-pipeline rules show ID` explains it)",
    "resource": "The resource the finding is about",
    "resource_type": "Its inventory table (azure_devops.<type>)",
    "project": "Its project (empty for organization-level resources)",
    "message": "What is wrong, in one sentence",
    "first_seen": "When the finding was first found (UTC)",
    "link": "The resource in Azure DevOps",
}

_ASSET_COLUMNS = {
    "asset": "The asset whose checks fail (the inventory table the findings are about)",
    "failing_rules": "How many of its checks (rules) have open findings",
    "open_findings": "How many open findings they have",
    "worst_severity": "The most severe of them",
}

FINDINGS_COLUMN_DESCRIPTIONS = {
    "rule_id": "The rule that found it (compliance.rules.rule_id)",
    "organization": "Azure DevOps organization (lower case); the partition key",
    "resource_id": "Natural key of the resource in its inventory table",
    "resource_name": "The resource's name",
    "resource_type": "The resource's inventory table (azure_devops.<type>)",
    "project_name": "The resource's project (empty for organization-level resources)",
    "url": "Link to the resource in Azure DevOps",
    "severity": "The rule's severity: critical, high, medium, low or info",
    "message": "What is wrong, in one sentence",
    "file_path": "For findings in pipeline YAML: the file in the repository",
    "line": "For findings in pipeline YAML: the line in that file",
    "status": "open, resolved or suppressed",
    "suppression_reason": "Why it is suppressed (the suppressions file)",
    "suppression_owner": "Who owns the suppression",
    "suppression_expires": "When the suppression ends and the finding reopens",
    "first_seen": "When the finding was first found (UTC); never changes",
    "last_seen": "When an evaluation last found it (UTC)",
    "resolved_at": "When it was resolved (UTC), while it stays resolved",
    "reopened_count": "How often it came back after being resolved",
    "last_run_id": "The Dagster run that last found it",
}


def findings_schema() -> dg.TableSchema:
    """The columns of compliance.findings with their meanings."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=column_type, description=FINDINGS_COLUMN_DESCRIPTIONS[name])
            for name, column_type in findings_module.FINDINGS_COLUMNS.items()
        ]
    )


_SEVERITY_ORDER = " ".join(f"WHEN '{severity.value}' THEN {severity.rank}" for severity in Severity)


def findings_metadata(database: str, organization: str) -> dict[str, Any]:
    """The open findings of one organization as materialization metadata (see the module docstring)."""
    from resmo_pipeline.warehouse.access import write_connection
    from resmo_pipeline.warehouse.schema import table_exists

    with write_connection(database, publish_after_s=None) as conn:
        if not table_exists(conn, "compliance", "findings"):
            rows, counts, scores, by_asset = [], {}, {}, []
        else:
            rows = conn.execute(
                f"""
                SELECT severity, rule_id, resource_name, resource_type, coalesce(project_name, ''), message,
                       strftime(first_seen, '%Y-%m-%d %H:%M'), coalesce(url, '')
                FROM compliance.findings WHERE organization = ? AND status = 'open'
                ORDER BY CASE severity {_SEVERITY_ORDER} ELSE 0 END DESC, first_seen, rule_id, resource_name
                LIMIT {FINDINGS_LISTED}
                """,
                [organization],
            ).fetchall()
            counts = dict(
                conn.execute(
                    "SELECT severity, count(*) FROM compliance.findings WHERE organization = ? AND status = 'open'"
                    " GROUP BY severity",
                    [organization],
                ).fetchall()
            )
            by_asset = conn.execute(
                f"""
                SELECT 'azure_devops/' || resource_type, count(DISTINCT rule_id), count(*),
                       arg_max(severity, CASE severity {_SEVERITY_ORDER} ELSE 0 END)
                FROM compliance.findings WHERE organization = ? AND status = 'open'
                GROUP BY resource_type ORDER BY max(CASE severity {_SEVERITY_ORDER} ELSE 0 END) DESC, 3 DESC, 1
                """,
                [organization],
            ).fetchall()
            scores = dict(
                conn.execute(
                    "SELECT framework, score FROM compliance.scores WHERE organization = ? AND score IS NOT NULL",
                    [organization],
                ).fetchall()
            )
    total = sum(counts.values())
    table = presentation.text_table((dict(zip(_TABLE_COLUMNS, row, strict=True)) for row in rows), _TABLE_COLUMNS)
    assets = presentation.text_table((dict(zip(_ASSET_COLUMNS, row, strict=True)) for row in by_asset), _ASSET_COLUMNS)
    metadata: dict[str, Any] = {
        "open_findings": table,
        "failing_assets": assets,
        "dagster/row_count": total,
        "open_total": total,
        **{f"open_{severity.value}": int(counts.get(severity.value, 0)) for severity in Severity},
        **{f"score_{framework}": round(float(score) * 100, 1) for framework, score in sorted(scores.items())},
    }
    if total > len(rows):
        metadata["listed"] = f"the {len(rows)} most severe of {total}; all are in compliance.findings"
    return metadata


def build_findings_asset(
    rules: Sequence[Rule], asset_keys: Collection[dg.AssetKey] | None = None
) -> dg.AssetsDefinition:
    """The findings asset over these rules, after every table they read."""
    tables = sorted({table for rule in rules for table in (rule.resource_type, *rule.requires)})
    deps = [asset_key(table) for table in tables]
    if asset_keys is not None:
        deps = [key for key in deps if key in asset_keys]

    @dg.asset(
        key=FINDINGS_KEY,
        partitions_def=organizations,
        group_name=GROUP,
        deps=deps,
        kinds={"duckdb"},
        owners=presentation.asset_owners(GROUP),
        tags=presentation.asset_tags(GROUP),
        description="The organization's open findings: every rule evaluated on its inventory, with counts per "
        "severity and a score per framework (Plots tab). Each rule is also an asset check on the table it "
        "judges.",
        metadata={
            "dagster/column_schema": findings_schema(),
            **presentation.table_name("compliance", "findings"),
            **presentation.code_reference(Path(findings_module.__file__), label="compliance tables"),
        },
    )
    def findings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        organization = context.partition_key
        selected = rules_of_run(rules, context.run.asset_check_selection, context.run.asset_selection)
        try:
            results = evaluate_for_check(selected, [organization], warehouse.path, context.run.run_id)
        except (ParameterConfigError, SuppressionFileError) as exc:
            # Each check reports the broken file too; the findings stay as the last good evaluation left them.
            context.log.error(f"compliance rules not evaluated: {exc}")
            return dg.MaterializeResult(metadata={**findings_metadata(warehouse.path, organization),
                                                  "error": str(exc)})
        context.log.info(evaluation_summary(results.values()))
        return dg.MaterializeResult(metadata=findings_metadata(warehouse.path, organization))

    return findings
