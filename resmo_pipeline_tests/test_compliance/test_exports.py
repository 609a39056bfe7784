"""`resmo-pipeline findings` in every format, read through the warehouse's read path, and the CI gate.

SARIF is validated against the official OASIS SARIF 2.1.0 JSON schema (vendored under data/, see its
license note); JUnit is parsed as XML.
"""

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import jsonschema
import pytest

from resmo_pipeline import cli, settings
from resmo_pipeline.compliance.commands import open_findings_by_severity, query_findings
from resmo_pipeline.compliance.evaluate import evaluate_warehouse
from resmo_pipeline.compliance.exports import to_sarif_document
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.simulator.data import DEMO_RULE_EXAMPLES
from resmo_pipeline.warehouse.access import read_connection

from .conftest import DATA, ORGANIZATION

TOTAL_VIOLATIONS = sum(len(example["violating"]) for example in DEMO_RULE_EXAMPLES.values())


@pytest.fixture(scope="module")
def evaluated_template(tmp_path_factory: pytest.TempPathFactory, demo_warehouse_template: Path) -> Path:
    path = tmp_path_factory.mktemp("exports") / "warehouse.duckdb"
    shutil.copy(demo_warehouse_template, path)
    evaluate_warehouse(path, ORGANIZATION)
    return path


@pytest.fixture
def home_warehouse(evaluated_template: Path) -> Iterator[Path]:
    """The evaluated demo warehouse where the CLI looks for it (RESMO_HOME is a fresh tmp dir per test)."""
    path = settings.warehouse_path()
    shutil.copy(evaluated_template, path)
    yield path


def findings_output(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["findings", *args])
    return code, capsys.readouterr().out


def test_table_lists_open_findings_worst_first(home_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = findings_output(capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["severity", "rule", "id"]
    assert lines[2].startswith("critical")
    assert lines[-3].startswith("low")
    by_severity = Counter(
        rule.severity.value for rule in builtin_rules() for _ in DEMO_RULE_EXAMPLES[rule.id]["violating"]
    )
    expected = ", ".join(f"{s} {by_severity[s]}" for s in ("critical", "high", "medium", "low") if by_severity[s])
    assert lines[-1] == f"{TOTAL_VIOLATIONS} finding(s): {expected}"
    assert "legacy-azure-secret" in out and "Dana Old" in out


def test_json_and_csv_with_filters(home_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = findings_output(capsys, "--format", "json")
    everything = json.loads(out)
    assert code == 0 and len(everything) == TOTAL_VIOLATIONS
    assert {row["status"] for row in everything} == {"open"}

    code, out = findings_output(capsys, "--format", "csv", "--org", "CONTOSO", "--severity", "high")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {row["severity"] for row in rows} == {"critical", "high"}  # high and worse
    assert len(rows) == sum(1 for row in everything if row["severity"] in ("critical", "high"))

    code, out = findings_output(capsys, "--format", "json", "--status", "resolved")
    assert json.loads(out) == []


def test_sarif_validates_against_the_official_schema(home_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = findings_output(capsys, "--format", "sarif")
    document = json.loads(out)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    assert code == 0 and document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert len(driver["rules"]) == len(builtin_rules().rules)
    assert len(run["results"]) == TOTAL_VIOLATIONS
    result = next(r for r in run["results"] if r["ruleId"] == "sc.classic_azure")
    assert driver["rules"][result["ruleIndex"]]["id"] == "sc.classic_azure"
    assert result["level"] == "error"
    kinds = [location["kind"] for location in result["locations"][0]["logicalLocations"]]
    assert kinds == ["organization", "project", "type", "resource"]
    resource = result["locations"][0]["logicalLocations"][-1]
    assert resource["fullyQualifiedName"].startswith("contoso/Data Platform/service_connections/")
    assert resource["name"] == "classic-azure-subscription"
    assert "physicalLocation" not in result["locations"][0]  # an Azure DevOps object, not a file


def test_sarif_points_yaml_findings_at_the_file_and_line(
    home_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = findings_output(capsys, "--format", "sarif")
    (run,) = json.loads(out)["runs"]
    yaml_results = [r for r in run["results"] if r["ruleId"].startswith("yaml.")]
    assert yaml_results
    with read_connection(home_warehouse) as conn:
        stored = dict(
            ((rule_id, name), (path, line))
            for rule_id, name, path, line in conn.execute(
                "SELECT rule_id, resource_name, file_path, line FROM compliance.findings WHERE rule_id LIKE 'yaml.%'"
            ).fetchall()
        )
    for result in yaml_results:
        physical = result["locations"][0]["physicalLocation"]
        name = result["locations"][0]["logicalLocations"][-1]["name"]
        path, line = stored[(result["ruleId"], name)]
        assert path.endswith(".yml") and line >= 1, (result["ruleId"], name)
        assert physical["artifactLocation"]["uri"] == path.lstrip("/")
        assert physical["region"]["startLine"] == line
        assert f"line={line}" in result["hostedViewerUri"]


def test_junit_has_one_case_per_rule(home_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = findings_output(capsys, "--format", "junit")
    assert code == 0
    root = ET.fromstring(out)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "compliance.contoso"
    count = str(len(builtin_rules().rules))
    assert suite.get("tests") == count and suite.get("failures") == count
    failure = suite.find("testcase[@name='sc.inactive: Service connection has not been used for a long time']/failure")
    assert failure is not None and "legacy-azure-secret" in failure.text


def test_fail_on_gate(home_warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert findings_output(capsys, "--fail-on", "critical")[0] == 1
    assert findings_output(capsys, "--severity", "low", "--fail-on", "critical")[0] == 1
    assert findings_output(capsys, "--status", "resolved", "--fail-on", "low")[0] == 0  # nothing resolved yet


def test_findings_without_a_warehouse_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["findings"]) == 2
    assert "resmo-pipeline sync" in capsys.readouterr().err


def test_open_findings_by_severity_summary(home_warehouse: Path) -> None:
    with read_connection(home_warehouse) as conn:
        counts = open_findings_by_severity(conn)
    assert list(counts) == ["critical", "high", "medium", "low"]
    assert sum(counts.values()) == TOTAL_VIOLATIONS
    critical = sum(
        len(DEMO_RULE_EXAMPLES[rule.id]["violating"]) for rule in builtin_rules() if rule.severity.value == "critical"
    )
    assert counts["critical"] == critical > 0


def test_sarif_with_suppressed_and_resolved_findings_is_valid(evaluated_template: Path) -> None:
    with duckdb.connect(str(evaluated_template), read_only=True) as conn:
        findings, rules, results = query_findings(conn)
    findings.loc[0, ["status", "suppression_reason", "suppression_owner"]] = ["suppressed", "accepted", "sec-team"]
    findings.loc[1, "status"] = "resolved"
    document = to_sarif_document(findings, rules, results)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    first, second = document["runs"][0]["results"][:2]
    assert first["suppressions"][0]["justification"].startswith("accepted (owner sec-team")
    assert (second["kind"], second["level"]) == ("pass", "none")
