"""Coverage as data: every control of every shipped framework gets one status, stored and printed."""

import json
from pathlib import Path

import duckdb
import pytest

from resmo_pipeline import cli
from resmo_pipeline.compliance.coverage import (
    FOLDED,
    FRAMEWORKS,
    IMPLEMENTED,
    MISSING,
    NOT_EVALUABLE,
    Control,
    Framework,
    builtin_coverage,
    compute_coverage,
    load_frameworks,
    load_not_evaluable,
    write_coverage,
)
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.compliance.model import Rule, Severity


def make_rule(rule_id: str, anchors: dict[str, tuple[str, ...]] | None = None) -> Rule:
    return Rule(
        id=rule_id,
        title=rule_id,
        severity=Severity.HIGH,
        resource_type="projects",
        description="d",
        rationale="r",
        remediation="f",
        sql="SELECT 1",
        anchors=anchors or {},
    )


SCANNER = Framework(
    key="adoscanner",
    name="ADO Security Scanner",
    controls=(
        Control("adoscanner", "ADO_A", "anchored", automated=True, api_class="documented"),
        Control("adoscanner", "ADO_B", "folded", automated=True, api_class="internal"),
        Control("adoscanner", "ADO_C", "not evaluable", automated=True, api_class="documented"),
        Control("adoscanner", "ADO_D", "missing", automated=True, api_class="documented", data_needed="POOL x"),
        Control("adoscanner", "ADO_E", "manual", automated=False, api_class="manual"),
    ),
)
DEFENDER = Framework(key="defender", name="Defender", controls=(Control("defender", "DfC DevOps #7", "open SC"),))


def small_coverage():
    rules = [
        make_rule("sc.a", {"adoscanner": ("ADO_A",), "defender": ("DfC DevOps #7: text after the colon",)}),
        make_rule("sc.b", {"adoscanner": ("ADO_UNKNOWN",)}),
    ]
    return compute_coverage(
        rules,
        frameworks={"adoscanner": SCANNER, "defender": DEFENDER},
        folded={"sc.b": {"adoscanner": {"ADO_B": "same check on another type"}}, "gone.rule": {"adoscanner": {}}},
        not_evaluable={"adoscanner": {"ADO_C": "needs an API this tool does not read"}},
    )


def test_statuses_rules_and_reasons() -> None:
    coverage = small_coverage()
    by_id = {item.control.id: item for item in coverage.controls}
    assert (by_id["ADO_A"].status, by_id["ADO_A"].rule_ids) == (IMPLEMENTED, ("sc.a",))
    assert (by_id["ADO_B"].status, by_id["ADO_B"].rule_ids) == (FOLDED, ("sc.b",))
    assert "same check on another type" in by_id["ADO_B"].reason
    assert (by_id["ADO_C"].status, by_id["ADO_C"].reason) == (NOT_EVALUABLE, "needs an API this tool does not read")
    assert (by_id["ADO_D"].status, by_id["ADO_D"].reason) == (MISSING, "needs: POOL x")
    assert by_id["ADO_E"].status == MISSING and not by_id["ADO_E"].evaluable
    assert by_id["DfC DevOps #7"].status == IMPLEMENTED  # anchor text after the colon is ignored
    assert any("ADO_UNKNOWN" in w for w in coverage.warnings)
    assert any("gone.rule" in w for w in coverage.warnings)

    scanner = coverage.summary("adoscanner")[0]
    assert (scanner.implemented, scanner.folded, scanner.not_evaluable, scanner.missing) == (1, 1, 1, 2)
    # evaluable: automated on an API and not marked not_evaluable -> A, B, D; covered: A, B
    assert (scanner.evaluable, scanner.evaluable_covered, scanner.percent) == (3, 2, 66.7)


def test_anchor_beats_fold_and_not_evaluable_entry_is_flagged() -> None:
    coverage = compute_coverage(
        [make_rule("sc.a", {"adoscanner": ("ADO_C",)})],
        frameworks={"adoscanner": SCANNER},
        folded={"sc.a": {"adoscanner": {"ADO_C": "also folded"}}},
        not_evaluable={"adoscanner": {"ADO_C": "stale reason"}},
    )
    item = coverage.select(status=IMPLEMENTED)[0]
    assert item.control.id == "ADO_C"
    assert any("covered by a rule" in w for w in coverage.warnings)


def test_shipped_data_is_consistent_with_the_builtin_rules() -> None:
    frameworks = load_frameworks()
    assert set(frameworks) == set(FRAMEWORKS)
    assert len(frameworks["adoscanner"].controls) == 170
    assert len(frameworks["defender"].controls) == 13
    assert [c.id for c in frameworks["owasp"].controls] == [f"CICD-SEC-{n}" for n in range(1, 11)]
    coverage = builtin_coverage()
    assert coverage.warnings == ()  # every anchor, fold and not-evaluable entry names a known control/rule
    for framework, reasons in load_not_evaluable().items():
        assert all(len(reason) > 20 for reason in reasons.values()), framework
    implemented = {item.control.id for item in coverage.select("adoscanner", IMPLEMENTED)}
    assert "ADO_ServiceConnection_AuthZ_Dont_Grant_All_Pipelines_Access" in implemented
    assert len(coverage.select("adoscanner")) == 170
    assert len(builtin_rules().rules) > 0


def test_coverage_table_is_written() -> None:
    conn = duckdb.connect()
    assert write_coverage(conn, small_coverage()) == 6
    rows = conn.execute(
        "SELECT framework, control_id, status, rule_ids, reason FROM compliance.coverage ORDER BY framework, control_id"
    ).fetchall()
    assert rows[0] == ("adoscanner", "ADO_A", "implemented", ["sc.a"], "")
    assert rows[2][2:] == ("not_evaluable", [], "needs an API this tool does not read")
    # rewriting replaces, never appends
    assert write_coverage(conn, small_coverage()) == 6
    assert conn.execute("SELECT count(*) FROM compliance.coverage").fetchone() == (6,)


def test_rules_coverage_command(capsys: pytest.CaptureFixture[str], resmo_home: Path) -> None:
    assert cli.main(["rules", "coverage", "--framework", "defender"]) == 0
    out = capsys.readouterr().out
    assert "DfC DevOps #7" in out and "sc.all_pipelines_access" in out
    assert "covered %" in out
    assert any(line.startswith("defender") and line.endswith("%") for line in out.splitlines())  # summary row

    assert cli.main(["rules", "coverage", "--status", "not_evaluable", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {row["status"] for row in data["controls"]} == {"not_evaluable"}
    assert all(row["reason"] for row in data["controls"])
    assert {s["framework"] for s in data["summary"]} == set(FRAMEWORKS)

    assert cli.main(["rules", "coverage", "--framework", "adoscanner", "--format", "csv", "--write"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("framework,control_id,title,status,rule_ids,reason")
    assert len(lines) == 171
    assert "compliance.coverage" in captured.err
    conn = duckdb.connect(str(resmo_home / "warehouse.duckdb"), read_only=True)
    try:
        assert conn.execute("SELECT count(DISTINCT framework) FROM compliance.coverage").fetchone() == (
            len(FRAMEWORKS),
        )
    finally:
        conn.close()
