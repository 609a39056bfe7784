"""Every built-in rule finds exactly the violating resources the simulator's demo organization was built with.

The simulator's DEMO_RULE_EXAMPLES names, per rule, the violating and the compliant resources; the rules run
on a warehouse filled from the simulator over HTTP, like a real sync.
"""

import shutil
from pathlib import Path

import pytest

from resmo_pipeline.compliance.evaluate import evaluate
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.compliance.model import RuleResult, RuleStatus
from resmo_pipeline.compliance.params import ParameterConfig
from resmo_pipeline.simulator.data import DEMO_RULE_EXAMPLES
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION

BUILTIN = builtin_rules()


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory, demo_warehouse_template: Path) -> dict[str, RuleResult]:
    path = tmp_path_factory.mktemp("builtin") / "warehouse.duckdb"
    shutil.copy(demo_warehouse_template, path)
    with write_connection(path, publish_after_s=None) as conn:
        results = evaluate(conn, BUILTIN.rules, ORGANIZATION, ParameterConfig(), "run-1", suppressions=())
    return {result.rule_id: result for result in results}


def test_builtin_rules_load_without_errors() -> None:
    assert BUILTIN.errors == ()
    assert len(BUILTIN.rules) >= 150
    assert all(rule.source == "builtin" for rule in BUILTIN.rules)


def test_every_builtin_rule_has_a_demo_example_and_back() -> None:
    assert {rule.id for rule in BUILTIN.rules} == set(DEMO_RULE_EXAMPLES)


def test_every_builtin_rule_has_anchors_and_a_known_severity() -> None:
    for rule in BUILTIN.rules:
        assert rule.anchors, rule.id
        assert rule.remediation and rule.rationale, rule.id


@pytest.mark.parametrize("rule_id", sorted(DEMO_RULE_EXAMPLES))
def test_rule_finds_exactly_the_demo_violations(rule_id: str, demo_results: dict[str, RuleResult]) -> None:
    example = DEMO_RULE_EXAMPLES[rule_id]
    result = demo_results[rule_id]
    found = {finding["resource_name"] for finding in result.findings}
    assert result.status is RuleStatus.FAILED, result.reason
    assert found == set(example["violating"])
    assert not found & set(example["compliant"])
    assert result.violations == len(example["violating"])
    for finding in result.findings:
        assert finding["message"], finding
        assert finding["url"].startswith(f"https://dev.azure.com/{ORGANIZATION}/"), finding


def test_the_pack_covers_the_field() -> None:
    """150+ rules, 15+ attack paths, three rules per OWASP CI/CD risk, 90 % of the ADO Security Scanner."""
    from collections import Counter

    from resmo_pipeline.compliance.coverage import compute_coverage

    assert len(BUILTIN.rules) >= 150
    assert sum(rule.id.startswith("path.") for rule in BUILTIN.rules) >= 15
    owasp = Counter(control for rule in BUILTIN.rules for control in rule.anchors.get("owasp", ()))
    assert {f"CICD-SEC-{n}" for n in range(1, 11)} <= set(owasp) and min(owasp.values()) >= 3, owasp
    (scanner,) = compute_coverage(BUILTIN.rules).summary("adoscanner")
    assert scanner.evaluable_covered >= 0.9 * scanner.evaluable, scanner
