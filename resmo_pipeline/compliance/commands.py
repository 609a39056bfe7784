"""``resmo-pipeline findings`` and ``resmo-pipeline rules``: compliance results and rules from the command line.

Building the parser imports nothing heavy; each handler imports what it needs. Listing findings and rules needs
neither pandas nor Dagster (SARIF and JUnit use pandas), and rules come from the validated-rules cache.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resmo_pipeline import settings
from resmo_pipeline.compliance.model import FindingStatus, Severity
from resmo_pipeline.warehouse.formats import FORMATS as LISTING_FORMATS
from resmo_pipeline.warehouse.formats import add_format_option

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

SEVERITIES = [s.value for s in Severity]
# Kept here (not imported from compliance.coverage or exports) so building the parser stays light.
COVERAGE_FRAMEWORKS = ("adoscanner", "defender", "owasp", "maester", "psrule")
COVERAGE_STATUSES = ("implemented", "folded", "not_evaluable", "missing")
FINDINGS_FORMATS = (*LISTING_FORMATS, "sarif", "junit")  # the last two: compliance.exports.EXPORTERS
STATUSES = [s.value for s in FindingStatus]
EXIT_FAILED_GATE = 1
EXIT_NO_DATA = 2
# The loader's BUILTIN_RULES_DIR (importing the loader would load DuckDB and YAML).
BUILTIN_RULES_DIR = Path(__file__).parent / "rules"

_SEVERITY_ORDER = "CASE f.severity WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END"


def _at_least(severity: str) -> list[str]:
    return [s.value for s in Severity if s.rank >= Severity(severity).rank]


def findings_query(
    organization: str | None = None, min_severity: str | None = None, statuses: list[str] | None = None
) -> tuple[str, list[Any]]:
    """The SQL (and its parameters) of the findings to list, with rule title and remediation, worst first."""
    where: list[str] = ["TRUE"]
    values: list[Any] = []
    if organization:
        where.append("f.organization = ?")
        values.append(organization.lower())
    if min_severity:
        where.append("list_contains(?, f.severity)")
        values.append(_at_least(min_severity))
    if statuses:
        where.append("list_contains(?, f.status)")
        values.append(statuses)
    sql = f"""
        SELECT f.*, r.title, r.remediation
        FROM compliance.findings AS f LEFT JOIN compliance.rules AS r USING (rule_id)
        WHERE {" AND ".join(where)}
        ORDER BY {_SEVERITY_ORDER}, f.rule_id, f.organization, f.project_name, f.resource_name, f.resource_id
        """
    return sql, values


def query_findings(
    conn: duckdb.DuckDBPyConnection,
    organization: str | None = None,
    min_severity: str | None = None,
    statuses: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Findings (with rule title and remediation), rules and the latest result per rule and organization."""
    findings = conn.execute(*findings_query(organization, min_severity, statuses)).df()
    rule_where, rule_values = ["TRUE"], []
    if min_severity:
        rule_where.append("list_contains(?, severity)")
        rule_values.append(_at_least(min_severity))
    rules = conn.execute(
        f"SELECT * FROM compliance.rules WHERE {' AND '.join(rule_where)} ORDER BY rule_id", rule_values
    ).df()
    result_where, result_values = ["rule_id IN (SELECT rule_id FROM rules)"], []
    if organization:
        result_where.append("organization = ?")
        result_values.append(organization.lower())
    results = conn.execute(
        f"""
        SELECT * FROM compliance.rule_results WHERE {" AND ".join(result_where)}
        QUALIFY row_number() OVER (PARTITION BY organization, rule_id ORDER BY evaluated_at DESC, run_id DESC) = 1
        ORDER BY organization, rule_id
        """,
        result_values,
    ).df()
    return findings, rules, results


def open_findings_by_severity(conn: duckdb.DuckDBPyConnection, organization: str | None = None) -> dict[str, int]:
    """How many open findings there are per severity (every severity listed, worst first): the demo's summary."""
    import duckdb

    counts = dict.fromkeys(SEVERITIES, 0)
    try:
        rows = conn.execute(
            "SELECT severity, count(*) FROM compliance.findings WHERE status = 'open'"
            " AND (? IS NULL OR organization = ?) GROUP BY severity",
            [organization, organization],
        ).fetchall()
    except duckdb.CatalogException:
        return counts
    counts.update({severity: count for severity, count in rows})
    return counts


def _findings(args: argparse.Namespace) -> int:
    import duckdb

    from resmo_pipeline.warehouse.access import WarehouseNotFoundError, read_connection

    statuses = None if "all" in args.status else args.status
    try:
        with read_connection(settings.warehouse_path()) as conn:
            if args.format in LISTING_FORMATS:
                from resmo_pipeline.warehouse.formats import fetch

                listed = fetch(conn, *findings_query(args.org, args.severity, statuses))
                records = listed.records()
            else:
                findings, rules, results = query_findings(conn, args.org, args.severity, statuses)
                records = findings.to_dict("records")
    except WarehouseNotFoundError as exc:
        print(exc, file=sys.stderr)
        return EXIT_NO_DATA
    except duckdb.CatalogException:
        print(
            "The warehouse holds no compliance results yet: rules run after each sync "
            "(`resmo-pipeline sync`, or `make demo`).",
            file=sys.stderr,
        )
        return EXIT_NO_DATA
    if args.format == "table":
        from resmo_pipeline.compliance.exports import to_table

        print(to_table(listed))
    elif args.format in LISTING_FORMATS:
        from resmo_pipeline.warehouse.formats import render

        print(render(listed, args.format))
    else:
        from resmo_pipeline.compliance.exports import EXPORTERS

        print(EXPORTERS[args.format](findings, rules, results))
    if args.fail_on:
        gate = set(_at_least(args.fail_on))
        failing = [r for r in records if r["status"] == "open" and r["severity"] in gate]
        if failing:
            print(f"{len(failing)} open finding(s) at severity {args.fail_on} or worse.", file=sys.stderr)
            return EXIT_FAILED_GATE
    return 0


def rule_ids() -> list[str]:
    """The loaded rules' ids (shell completion of ``rules show ID``)."""
    from resmo_pipeline.compliance.rule_cache import cached_rules

    return [rule.id for rule in cached_rules().rules]


def _rules_list(args: argparse.Namespace) -> int:
    from resmo_pipeline.compliance.rule_cache import cached_rules
    from resmo_pipeline.warehouse.formats import Table, render

    rule_set = cached_rules()
    rows = [[r.id, r.severity.value, r.resource_type, r.source, r.render(r.title)] for r in rule_set.rules]
    print(render(Table.of(["id", "severity", "resource type", "source", "title"], rows), args.format))
    for error in rule_set.errors:
        print(f"not loaded: {error}", file=sys.stderr)
    return 0


def _rules_show(args: argparse.Namespace) -> int:
    from resmo_pipeline.compliance.rule_cache import cached_rules

    rule_set = cached_rules()
    try:
        rule = rule_set.get(args.rule_id)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    from resmo_pipeline.compliance.params import ParameterConfigError, load_parameters

    # The texts show the values the rule runs with (rules.yaml overrides included, for --organization if
    # given), never "$inactive_days"; the query below keeps its placeholders.
    organization = (args.organization or "").lower()
    try:
        values = load_parameters().for_rule(rule, organization)
        where = f"for {organization}" if organization else "for every organization"
    except ParameterConfigError as exc:
        print(f"warning: {exc}; showing the rule's defaults", file=sys.stderr)
        values, where = dict(rule.params), "defaults"
    text = rule.rendered(values)
    anchors = "\n".join(f"  {key}: {', '.join(ids)}" for key, ids in rule.anchors.items()) or "  (none)"
    params = (
        "\n".join(
            f"  {key}: {value!r}" + ("" if value == rule.params.get(key) else f" (default {rule.params.get(key)!r})")
            for key, value in values.items()
        )
        or "  (none)"
    )
    print(
        f"{rule.id} — {text['title']}\n"
        f"severity: {rule.severity.value}   resource type: {rule.resource_type}   check: {rule.check_name}\n"
        f"requires: {', '.join(rule.requires)}\nsource: {rule.source} ({rule.path})\n\n"
        f"{text['description']}\n\nWhy: {text['rationale']}\n\nFix: {text['remediation']}\n\n"
        f"anchors:\n{anchors}\nparameters ({where}):\n{params}\n\n{rule.sql}"
    )
    return 0


def _rules_validate(args: argparse.Namespace) -> int:
    from resmo_pipeline.compliance.rule_cache import cached_validation

    path = Path(args.path)
    if not path.exists():
        print(f"{path}: no such file or directory", file=sys.stderr)
        return 1
    files = sorted(path.rglob("*.sql")) if path.is_dir() else [path]
    builtin_dir = BUILTIN_RULES_DIR.resolve()
    validating_builtins = path.resolve() == builtin_dir or builtin_dir in path.resolve().parents
    rule_set = cached_validation(files, builtin=validating_builtins)
    for rule in rule_set.rules:
        print(f"ok       {rule.id} ({rule.path})")
    for error in rule_set.errors:
        print(f"invalid  {error}")
    print(f"{len(rule_set.rules)} valid, {len(rule_set.errors)} invalid")
    return 1 if rule_set.errors or not files else 0


def _rules_coverage(args: argparse.Namespace) -> int:
    import csv
    import io
    import json

    from tabulate import tabulate

    from resmo_pipeline.compliance.coverage import compute_coverage, write_coverage
    from resmo_pipeline.compliance.rule_cache import cached_rules

    coverage = compute_coverage(cached_rules().rules)
    items = coverage.select(args.framework, args.status)
    summaries = coverage.summary(args.framework)
    rows = [item.as_row() for item in items]
    if args.format == "json":
        print(json.dumps({"summary": [s.as_dict() for s in summaries], "controls": rows}, indent=2))
    elif args.format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["framework", "control_id"])
        writer.writeheader()
        writer.writerows({**row, "rule_ids": " ".join(row["rule_ids"])} for row in rows)
        print(out.getvalue(), end="")
    else:
        table = [
            [r["framework"], r["control_id"], r["status"], ", ".join(r["rule_ids"]), r["title"], r["reason"]]
            for r in rows
        ]
        style = "github" if args.format == "markdown" else "simple"
        print(
            tabulate(
                table,
                headers=["framework", "control", "status", "rules", "title", "reason"],
                # Markdown cells cannot wrap: a wrapped cell would become rows of its own.
                maxcolwidths=None if style == "github" else [None, None, None, 40, 50, 60],
                tablefmt=style,
            )
        )
        print()
        summary = [
            [
                s.framework,
                s.total,
                s.implemented,
                s.folded,
                s.not_evaluable,
                s.missing,
                f"{s.evaluable_covered}/{s.evaluable}",
                "-" if s.percent is None else f"{s.percent:.1f}%",
            ]
            for s in summaries
        ]
        print(
            tabulate(
                summary,
                headers=[
                    "framework",
                    "controls",
                    "implemented",
                    "folded",
                    "not_evaluable",
                    "missing",
                    "covered/evaluable",
                    "covered %",
                ],
                tablefmt=style,
            )
        )
        print(
            "\ncovered % = implemented or folded, of the evaluable controls (adoscanner: automated controls on a "
            "documented or internal API; others: controls not marked not_evaluable)."
        )
    for warning in coverage.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.write:
        from resmo_pipeline.warehouse.access import write_connection

        with write_connection(settings.warehouse_path()) as conn:
            count = write_coverage(conn, coverage)
        print(f"wrote {count} rows to compliance.coverage", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``findings`` and ``rules`` commands."""
    findings = subparsers.add_parser(
        "findings",
        help="compliance findings from the warehouse (table, CSV, JSON, SARIF, JUnit)",
        description="List compliance findings. Exit code 1 with --fail-on when open findings reach that severity.",
    )
    findings.add_argument("--org", help="only this organization")
    findings.add_argument("--severity", choices=SEVERITIES, help="only findings at this severity or worse")
    findings.add_argument(
        "--status",
        nargs="+",
        choices=[*STATUSES, "all"],
        default=["open"],
        help="finding statuses to show (default: open)",
    )
    add_format_option(findings, FINDINGS_FORMATS)
    findings.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help="exit 1 when an open finding at this severity or worse is listed (CI gate)",
    )
    findings.set_defaults(handler=_findings)

    rules = subparsers.add_parser("rules", help="list, show and validate compliance rules")
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION")
    rules.set_defaults(handler=_rules_list)
    listing = actions.add_parser("list", help="every loaded rule (built-in and RESMO_RULES_DIR)")
    add_format_option(listing)
    listing.set_defaults(handler=_rules_list)
    rules.set_defaults(format="table")
    show = actions.add_parser("show", help="one rule's metadata and query")
    show.add_argument("rule_id", metavar="ID").completions = rule_ids  # type: ignore[attr-defined]
    show.add_argument(
        "--organization", metavar="ORG", help="show the parameter values that organization gets from rules.yaml"
    )
    show.set_defaults(handler=_rules_show)
    validate = actions.add_parser("validate", help="check a rule file or a directory of rule files")
    validate.add_argument("path", metavar="PATH")
    validate.set_defaults(handler=_rules_validate)
    coverage = actions.add_parser(
        "coverage",
        help="which controls of each framework (ADO Scanner, Defender, OWASP, Maester, PSRule) rules cover",
        description="Per control: implemented (a rule anchors it), folded (a rule checks it as part of a broader "
        "check), not_evaluable (with the reason) or missing; then a summary per framework. CSV: controls only.",
    )
    coverage.add_argument("--framework", choices=list(COVERAGE_FRAMEWORKS), help="only this framework")
    coverage.add_argument("--status", choices=list(COVERAGE_STATUSES), help="only controls with this status")
    add_format_option(coverage)
    coverage.add_argument("--write", action="store_true", help="also store it in the warehouse as compliance.coverage")
    coverage.set_defaults(handler=_rules_coverage)
