"""Findings in the formats people and CI systems read: a terminal table, SARIF 2.1.0 and JUnit XML.

The SARIF and JUnit exporters take the findings (``compliance.findings`` rows joined with the rules' title and
remediation), the rules' metadata (``compliance.rules`` rows) and, for JUnit, the latest result of each rule per
organization, as pandas frames. The terminal table takes plain rows (``warehouse.formats.Table``), so listing
findings never loads pandas; CSV, JSON and Markdown are the warehouse's common formats.
"""

from __future__ import annotations

import hashlib
import json
import math
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from resmo_pipeline import __version__
from resmo_pipeline.compliance.model import render_parameters

if TYPE_CHECKING:
    import pandas as pd

    from resmo_pipeline.warehouse.formats import Table

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
# GitHub code scanning reads a 0-10 "security-severity" to bucket results.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}
TOOL_URI = "https://github.com/resmo-pipeline/resmo_pipeline"
TABLE_COLUMNS = ("severity", "rule_id", "organization", "project_name", "resource_name", "status", "message")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def to_table(findings: Table) -> str:
    """A readable terminal table of the findings (in the order given: worst first), with counts per severity."""
    from tabulate import tabulate

    if not findings.rows:
        return "No findings."
    records = findings.records()
    shown = [[("" if record.get(column) is None else str(record.get(column))) for column in TABLE_COLUMNS]
             for record in records]
    for row in shown:
        row[-1] = row[-1][:90]
    table = tabulate(shown, headers=[c.replace("_", " ") for c in TABLE_COLUMNS], tablefmt="simple")
    counts = Counter(record["severity"] for record in records)
    by_severity = ", ".join(f"{severity} {counts[severity]}" for severity in SARIF_LEVELS if severity in counts)
    return f"{table}\n\n{len(records)} finding(s): {by_severity}"


def _sarif_rule(rule: dict[str, Any]) -> dict[str, Any]:
    anchors = rule.get("anchors") or {}
    if isinstance(anchors, str):
        anchors = json.loads(anchors)
    tags = ["security", "azure-devops", *(f"{key}:{value}" for key, values in anchors.items() for value in values)]
    params = rule.get("params") or {}
    if isinstance(params, str):
        params = json.loads(params)

    def render(text: str) -> str:  # "$inactive_days" -> "90": the values the rule was recorded with
        return render_parameters(text or "", params)

    return {
        "id": rule["rule_id"],
        "name": rule["check_name"],
        "shortDescription": {"text": render(rule["title"])},
        "fullDescription": {"text": render(rule["description"] or rule["title"])},
        "help": {"text": render(f"{rule['rationale'] or ''}\n\nRemediation: {rule['remediation'] or ''}".strip())},
        "defaultConfiguration": {"level": SARIF_LEVELS[rule["severity"]]},
        "properties": {
            "severity": rule["severity"],
            "security-severity": SECURITY_SEVERITY[rule["severity"]],
            "resourceType": rule["resource_type"],
            "anchors": anchors,
            "tags": tags,
        },
    }


def _logical_locations(finding: dict[str, Any]) -> list[dict[str, Any]]:
    organization = finding["organization"]
    project = finding.get("project_name")
    parts = [("organization", organization)]
    if project:
        parts.append(("project", project))
    parts.append(("type", finding["resource_type"]))
    locations = []
    for depth in range(len(parts)):
        kind, name = parts[depth]
        locations.append(
            {"name": name, "kind": kind, "fullyQualifiedName": "/".join(str(p[1]) for p in parts[: depth + 1])}
        )
    locations.append(
        {
            "name": finding.get("resource_name") or finding["resource_id"],
            "kind": "resource",
            "fullyQualifiedName": "/".join([*(str(p[1]) for p in parts), str(finding["resource_id"])]),
            "decoratedName": finding["resource_id"],
        }
    )
    return locations


def _location(finding: dict[str, Any]) -> dict[str, Any]:
    """The resource as logical locations, plus the file and line for findings in pipeline YAML."""
    location: dict[str, Any] = {"logicalLocations": _logical_locations(finding)}
    file_path, line = finding.get("file_path"), finding.get("line")
    if file_path:
        # SARIF wants a relative URI for a file in the analysed source; Azure Repos paths start at "/".
        physical: dict[str, Any] = {"artifactLocation": {"uri": quote(str(file_path).lstrip("/"))}}
        if line is not None and not (isinstance(line, float) and math.isnan(line)):
            physical["region"] = {"startLine": int(line)}
        location["physicalLocation"] = physical
    return location


def _sarif_result(finding: dict[str, Any], rule_index: dict[str, int]) -> dict[str, Any]:
    key = "\x1f".join(str(finding[k]) for k in ("rule_id", "organization", "resource_id"))
    result: dict[str, Any] = {
        "ruleId": finding["rule_id"],
        "level": SARIF_LEVELS.get(finding["severity"], "warning"),
        "kind": "fail",
        "message": {"text": finding["message"] or finding.get("title") or finding["rule_id"]},
        "locations": [_location(finding)],
        "partialFingerprints": {"resmoFinding/v1": hashlib.sha256(key.encode()).hexdigest()},
        "properties": {
            "status": finding["status"],
            "firstSeen": finding.get("first_seen"),
            "lastSeen": finding.get("last_seen"),
            "reopenedCount": finding.get("reopened_count"),
        },
    }
    if finding["rule_id"] in rule_index:
        result["ruleIndex"] = rule_index[finding["rule_id"]]
    if finding.get("url"):
        result["hostedViewerUri"] = finding["url"]
    if finding["status"] == "suppressed":
        justification = f"{finding.get('suppression_reason')} (owner {finding.get('suppression_owner')}"
        justification += f", expires {finding['suppression_expires']})" if finding.get("suppression_expires") else ")"
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
    if finding["status"] == "resolved":
        result["kind"] = "pass"
        result["level"] = "none"
    return result


def to_sarif_document(findings: pd.DataFrame, rules: pd.DataFrame, results: pd.DataFrame) -> dict[str, Any]:
    """The SARIF 2.1.0 log: one run per organization, rules from metadata, logical locations for resources."""
    rule_rows = _records(rules.sort_values("rule_id")) if not rules.empty else []
    driver_rules = [_sarif_rule(rule) for rule in rule_rows]
    rule_index = {rule["id"]: index for index, rule in enumerate(driver_rules)}
    rows = _records(findings)
    organizations = sorted({row["organization"] for row in rows}) or [None]
    runs = []
    for organization in organizations:
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "resmo-pipeline",
                    "version": __version__,
                    "informationUri": TOOL_URI,
                    "rules": driver_rules,
                }
            },
            "results": [_sarif_result(row, rule_index) for row in rows if row["organization"] == organization],
            "columnKind": "unicodeCodePoints",
        }
        if organization:
            run["automationDetails"] = {"id": f"resmo-pipeline/{organization}/"}
        runs.append(run)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}


def to_sarif(findings: pd.DataFrame, rules: pd.DataFrame, results: pd.DataFrame) -> str:
    """SARIF 2.1.0 as JSON text."""
    return json.dumps(to_sarif_document(findings, rules, results), indent=2)


def to_junit(findings: pd.DataFrame, rules: pd.DataFrame, results: pd.DataFrame) -> str:
    """JUnit XML: one suite per organization, one test case per rule (failure = open findings).

    Rules that were not evaluable are skipped test cases (with the reason), rules that errored are errors.
    """
    titles = {row["rule_id"]: row for row in _records(rules)}
    suites = ET.Element("testsuites", name="resmo-pipeline compliance")
    open_findings = findings[findings["status"] == "open"] if not findings.empty else findings
    for organization, org_results in results.groupby("organization", sort=True):
        suite = ET.SubElement(suites, "testsuite", name=f"compliance.{organization}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for result in _records(org_results.sort_values("rule_id")):
            rule_id = result["rule_id"]
            meta = titles.get(rule_id, {})
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{organization}.{rule_id.split('.')[0]}",
                name=f"{rule_id}: {meta.get('title', '')}".rstrip(": "),
            )
            counts["tests"] += 1
            status = result["status"]
            if status == "not_evaluable":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=result.get("reason") or "not evaluable")
            elif status == "error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=result.get("reason") or "the rule failed")
            else:
                mine = (
                    open_findings[
                        (open_findings["rule_id"] == rule_id) & (open_findings["organization"] == organization)
                    ]
                    if not open_findings.empty
                    else open_findings
                )
                if len(mine):
                    counts["failures"] += 1
                    failure = ET.SubElement(
                        case,
                        "failure",
                        type=meta.get("severity", ""),
                        message=f"{len(mine)} violation(s): {meta.get('title', rule_id)}",
                    )
                    failure.text = "\n".join(
                        f"{row.get('resource_name')}: {row.get('message')} {row.get('url') or ''}".rstrip()
                        for row in _records(mine)
                    )
        for key, value in counts.items():
            suite.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


EXPORTERS: dict[str, Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame], str]] = {
    "sarif": to_sarif,
    "junit": to_junit,
}
