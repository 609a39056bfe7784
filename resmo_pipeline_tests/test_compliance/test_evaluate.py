"""Evaluation on the demo warehouse: parameters per organization, not-evaluable rules, rule errors, suppressions
with expiry, and the findings life-cycle (first seen, resolved, reopened) across evaluations."""

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import duckdb
import pytest

from resmo_pipeline.compliance.evaluate import evaluate, evaluate_warehouse
from resmo_pipeline.compliance.loader import builtin_rules, load_rule_files
from resmo_pipeline.compliance.model import RuleStatus
from resmo_pipeline.compliance.params import ParameterConfig, ParameterConfigError, load_parameters
from resmo_pipeline.compliance.suppressions import SuppressionFileError, load_suppressions
from resmo_pipeline.inventory.collect import CollectionResult
from resmo_pipeline.warehouse.access import write_connection

from .conftest import ORGANIZATION, write_inventory

RULES = builtin_rules()
T0 = dt.datetime(2026, 11, 1, 12, 0)


def run(
    path: Path,
    rule_ids: list[str],
    now: dt.datetime = T0,
    params: ParameterConfig | None = None,
    suppressions: tuple = (),
    organization: str = ORGANIZATION,
):
    rules = [RULES.get(rule_id) for rule_id in rule_ids]
    with write_connection(path, publish_after_s=None) as conn:
        results = evaluate(
            conn,
            rules,
            organization,
            params or ParameterConfig(),
            f"run-{now:%H%M%S}",
            suppressions=suppressions,
            now=now,
        )
    return {result.rule_id: result for result in results}


def query(path: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql, list(params)).fetchall()


def names(result) -> set[str]:
    return {finding["resource_name"] for finding in result.findings}


# #### PARAMETERS


def test_parameters_are_overridden_per_organization(
    tmp_path: Path, demo_collection: dict[str, CollectionResult], demo_warehouse: Path
) -> None:
    # A second organization with the same data, to show the override applies to one organization only.
    write_inventory(demo_warehouse, demo_collection, organization="fabrikam")
    config = tmp_path / "rules.yaml"
    config.write_text(
        textwrap.dedent("""\
        defaults:
          users.inactive:
            never_signed_in_days: 200
        organizations:
          Contoso:
            users.inactive:
              inactive_days: 160
    """)
    )
    params = load_parameters(config)
    contoso = run(demo_warehouse, ["users.inactive"], params=params)["users.inactive"]
    fabrikam = run(demo_warehouse, ["users.inactive"], params=params, organization="fabrikam")["users.inactive"]
    # 160 days spares Grace Guest (150 days); never_signed_in_days 200 spares Nate Never (created 120 days ago)
    assert names(contoso) == {"Dana Old"}
    assert names(fabrikam) == {"Dana Old", "Grace Guest"}
    # Evaluating another rule alone (as its asset check does) is not disturbed by these overrides.
    assert run(demo_warehouse, ["sc.classic_azure"], params=params)["sc.classic_azure"].status is RuleStatus.FAILED
    assert params.for_rule(RULES.get("users.inactive"), "contoso") == {
        "inactive_days": 160,
        "never_signed_in_days": 200,
        "ignored_license_types": [],
    }


def test_parameter_file_from_environment_and_its_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "custom.yaml"
    config.write_text("organizations:\n  contoso:\n    users.inactive:\n      inactive_dayz: 10\n")
    monkeypatch.setenv("RESMO_RULES_CONFIG", str(config))
    params = load_parameters()
    with pytest.raises(
        ParameterConfigError,
        match=r"custom.yaml: organizations.contoso.users.inactive sets unknown"
        r" parameters inactive_dayz",
    ):
        params.validate(RULES.rules)
    config.write_text("defaults:\n  no.such_rule: {x: 1}\n")
    with pytest.raises(ParameterConfigError, match=r"unknown rule 'no\.such_rule'"):
        load_parameters().validate(RULES.rules)
    config.write_text("ruless: {}\n")
    with pytest.raises(ParameterConfigError, match="unknown top-level keys ruless"):
        load_parameters()


# #### NOT EVALUABLE AND ERRORS


def test_rule_is_not_evaluable_when_a_required_table_was_not_collected(
    tmp_path: Path, demo_collection: dict[str, CollectionResult], demo_warehouse: Path
) -> None:
    before = run(demo_warehouse, ["sc.all_pipelines_access", "sc.classic_azure"])
    assert before["sc.all_pipelines_access"].status is RuleStatus.FAILED
    # The next sync's PAT lacks the scope pipeline permissions need: the type is recorded not_collected.
    refused = {"pipeline_permissions": demo_collection["pipeline_permissions"]}
    write_inventory(demo_warehouse, refused, statuses={"pipeline_permissions": ("not_collected", "vso.build")})
    after = run(demo_warehouse, ["sc.all_pipelines_access", "sc.classic_azure"], now=T0 + dt.timedelta(hours=1))
    result = after["sc.all_pipelines_access"]
    assert result.status is RuleStatus.NOT_EVALUABLE
    assert "azure_devops.pipeline_permissions" in result.reason and "vso.build" in result.reason
    assert after["sc.classic_azure"].status is RuleStatus.FAILED
    # Its finding is neither resolved nor refreshed: nothing is known about it.
    assert query(
        demo_warehouse, "SELECT status, last_seen FROM compliance.findings WHERE rule_id = ?", "sc.all_pipelines_access"
    ) == [("open", T0)]
    assert query(
        demo_warehouse,
        "SELECT status, reason IS NOT NULL FROM compliance.rule_results WHERE rule_id = ? ORDER BY evaluated_at",
        "sc.all_pipelines_access",
    ) == [("failed", False), ("not_evaluable", True)]


def test_rule_is_not_evaluable_when_a_table_was_never_collected(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    with write_connection(path, publish_after_s=None) as conn:
        conn.execute("SELECT 1").fetchall()
    result = run(path, ["users.inactive"])["users.inactive"]
    assert result.status is RuleStatus.NOT_EVALUABLE
    assert result.reason == "azure_devops.user_entitlements has never been collected for contoso"


def test_a_failing_rule_is_an_error_and_the_others_go_on(tmp_path: Path, demo_warehouse: Path) -> None:
    rule_file = tmp_path / "bad_cast.sql"
    rule_file.write_text(
        textwrap.dedent("""\
        /*
        id: custom.bad_cast
        title: Casts a name to a number
        severity: low
        resource_type: repositories
        description: d
        rationale: r
        remediation: m
        */
        SELECT organization, resource_id, name AS resource_name, 'x' AS message
        FROM azure_devops.repositories
        WHERE organization = $organization AND CAST(name AS INTEGER) > 0
    """)
    )
    custom = load_rule_files([rule_file], source="custom")
    assert custom.errors == ()  # valid on an empty warehouse; it fails only on data
    rules = [*custom.rules, RULES.get("sc.classic_azure")]
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        results = {r.rule_id: r for r in evaluate(conn, rules, ORGANIZATION, ParameterConfig(), "r", suppressions=())}
    assert results["custom.bad_cast"].status is RuleStatus.ERROR
    assert "Conversion Error" in results["custom.bad_cast"].reason
    assert results["sc.classic_azure"].status is RuleStatus.FAILED
    assert query(demo_warehouse, "SELECT count(*) FROM compliance.findings WHERE rule_id = 'sc.classic_azure'") == [
        (1,)
    ]


# #### FINDINGS LIFE-CYCLE


def test_first_seen_resolved_and_reopened_across_three_evaluations(demo_warehouse: Path) -> None:
    rule = "sc.all_pipelines_access"
    first = run(demo_warehouse, [rule], now=T0)[rule]
    assert names(first) == {"legacy-azure-secret"}

    # Fixed: the connection no longer grants all pipelines; another one starts to.
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        conn.execute(
            "UPDATE azure_devops.pipeline_permissions SET all_pipelines_authorized ="
            " (resource_name = 'prod-azure-wif') WHERE resource_type = 'endpoint'"
        )
    second = run(demo_warehouse, [rule], now=T0 + dt.timedelta(days=1))[rule]
    assert names(second) == {"prod-azure-wif"}

    # Regression: the first connection is open again.
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        conn.execute(
            "UPDATE azure_devops.pipeline_permissions SET all_pipelines_authorized = TRUE"
            " WHERE resource_type = 'endpoint' AND resource_name = 'legacy-azure-secret'"
        )
    third = run(demo_warehouse, [rule], now=T0 + dt.timedelta(days=2))[rule]
    assert names(third) == {"legacy-azure-secret", "prod-azure-wif"}

    rows = query(
        demo_warehouse,
        "SELECT resource_name, status, first_seen, last_seen, resolved_at, reopened_count"
        " FROM compliance.findings WHERE rule_id = ? ORDER BY resource_name",
        rule,
    )
    assert rows == [
        ("legacy-azure-secret", "open", T0, T0 + dt.timedelta(days=2), None, 1),
        ("prod-azure-wif", "open", T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2), None, 0),
    ]
    events = query(
        demo_warehouse,
        "SELECT occurred_at, kind, resource_name FROM compliance.finding_events WHERE rule_id = ?"
        " ORDER BY occurred_at, kind",
        rule,
    )
    assert events == [
        (T0, "new_finding", "legacy-azure-secret"),
        (T0 + dt.timedelta(days=1), "new_finding", "prod-azure-wif"),
        (T0 + dt.timedelta(days=1), "resolved", "legacy-azure-secret"),
        (T0 + dt.timedelta(days=2), "regression", "legacy-azure-secret"),
    ]
    # In between, the fixed one was resolved at the second evaluation.
    assert query(
        demo_warehouse,
        "SELECT status, violations FROM compliance.rule_results WHERE rule_id = ? ORDER BY evaluated_at",
        rule,
    ) == [("failed", 1), ("failed", 1), ("failed", 2)]


def test_fixed_finding_is_resolved_and_rule_passes(demo_warehouse: Path) -> None:
    rule = "sc.classic_azure"
    run(demo_warehouse, [rule], now=T0)
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        conn.execute("DELETE FROM azure_devops.service_connections WHERE type = 'azure'")
    result = run(demo_warehouse, [rule], now=T0 + dt.timedelta(hours=3))[rule]
    assert result.status is RuleStatus.PASSED and result.violations == 0
    assert query(demo_warehouse, "SELECT status, resolved_at FROM compliance.findings WHERE rule_id = ?", rule) == [
        ("resolved", T0 + dt.timedelta(hours=3))
    ]


def test_findings_of_other_organizations_are_left_alone(
    demo_collection: dict[str, CollectionResult], demo_warehouse: Path
) -> None:
    write_inventory(demo_warehouse, demo_collection, organization="fabrikam")
    run(demo_warehouse, ["sc.classic_azure"], organization="fabrikam")
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        conn.execute("DELETE FROM azure_devops.service_connections WHERE organization = 'contoso'")
    run(demo_warehouse, ["sc.classic_azure"], now=T0 + dt.timedelta(hours=1))
    assert query(demo_warehouse, "SELECT organization, status FROM compliance.findings ORDER BY 1") == [
        ("fabrikam", "open")
    ]


# #### SUPPRESSIONS


def test_suppression_hides_a_finding_until_it_expires(tmp_path: Path, demo_warehouse: Path) -> None:
    file = tmp_path / "suppressions.yaml"
    file.write_text(
        textwrap.dedent("""\
        suppressions:
          - rule: sc.*
            organization: contoso
            resource: LEGACY-AZURE-*
            reason: Decommissioned with the old data centre in December
            owner: platform-team@contoso.com
            expires: 2026-11-15
    """)
    )
    suppressions = load_suppressions(file)
    rule = "sc.all_pipelines_access"
    before = run(demo_warehouse, [rule], now=T0, suppressions=suppressions)[rule]
    assert before.status is RuleStatus.PASSED
    assert (before.violations, before.suppressed) == (0, 1)
    assert query(
        demo_warehouse,
        "SELECT status, suppression_reason, suppression_owner, suppression_expires"
        " FROM compliance.findings WHERE rule_id = ?",
        rule,
    ) == [
        (
            "suppressed",
            "Decommissioned with the old data centre in December",
            "platform-team@contoso.com",
            dt.date(2026, 11, 15),
        )
    ]

    on_expiry_day = run(demo_warehouse, [rule], now=dt.datetime(2026, 11, 15, 23), suppressions=suppressions)[rule]
    assert on_expiry_day.status is RuleStatus.PASSED

    after = run(demo_warehouse, [rule], now=dt.datetime(2026, 11, 16, 1), suppressions=suppressions)[rule]
    assert after.status is RuleStatus.FAILED
    assert (after.violations, after.suppressed) == (1, 0)
    assert query(
        demo_warehouse,
        "SELECT status, suppression_reason, reopened_count, first_seen FROM compliance.findings WHERE rule_id = ?",
        rule,
    ) == [("open", None, 1, T0)]
    # Accepted from the start, so no new_finding event; only the lapse is news.
    assert query(demo_warehouse, "SELECT kind, severity FROM compliance.finding_events WHERE rule_id = ?", rule) == [
        ("suppression_expired", "high")
    ]


def test_suppressions_file_from_environment_and_its_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "s.yaml"
    monkeypatch.setenv("RESMO_SUPPRESSIONS", str(file))
    assert load_suppressions() == ()
    file.write_text("suppressions:\n  - rule: sc.inactive\n    reason: kept for DR\n")
    with pytest.raises(SuppressionFileError, match=r"s.yaml: suppression #1 lacks owner"):
        load_suppressions()
    file.write_text("suppressions:\n  - {rule: sc.inactive, reason: r, owner: o, expires: next year}\n")
    with pytest.raises(SuppressionFileError, match="is not a date"):
        load_suppressions()


def test_evaluate_warehouse_writes_rules_results_and_scores(demo_warehouse_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    shutil.copy(demo_warehouse_template, path)
    evaluation = evaluate_warehouse(path, ORGANIZATION)
    assert len(evaluation.results) == len(builtin_rules().rules) and evaluation.rules_s > 0
    assert query(path, "SELECT count(*) FROM compliance.rules") == [(len(builtin_rules().rules),)]
    scores = dict(query(path, "SELECT framework, score FROM compliance.scores WHERE organization = 'contoso'"))
    assert set(scores) == {"all", "adoscanner", "defender", "maester", "psrule", "cis", "owasp"}
    assert scores["all"] == 0.0  # the demo organization violates every rule at least once
    assert query(
        path, "SELECT anchors->>'$.maester[0]' FROM compliance.rules WHERE rule_id = 'admins.count_bounds'"
    ) == [("AZDO.1030",)]


# #### ORGANIZATION SCOPING


UNFILTERED_JOIN_RULE = """\
/*
id: custom.repositories_without_policies
title: Repository in a project without policies
severity: low
resource_type: repositories
requires: [policy_configurations]
*/
SELECT r.organization, r.resource_id, r.name AS resource_name,
       r.name || ' sees ' || (SELECT count(*) FROM azure_devops.repositories) || ' repositories' AS message
FROM azure_devops.repositories AS r
LEFT JOIN azure_devops.policy_configurations AS p ON p.project_id = r.project_id
WHERE p.resource_id IS NULL
"""


def test_a_rule_without_organization_filter_never_mixes_organizations(tmp_path: Path) -> None:
    path = tmp_path / "two_orgs.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(
        """
        CREATE SCHEMA azure_devops;
        CREATE TABLE azure_devops.repositories (organization VARCHAR, resource_id VARCHAR, name VARCHAR,
                                                project_id VARCHAR);
        CREATE TABLE azure_devops.policy_configurations (organization VARCHAR, resource_id VARCHAR,
                                                         project_id VARCHAR);
        -- the same project id in both organizations; only fabrikam has a policy in it
        INSERT INTO azure_devops.repositories VALUES ('contoso', 'c/r1', 'web', 'p1'),
                                                     ('fabrikam', 'f/r1', 'api', 'p1'),
                                                     ('fabrikam', 'f/r2', 'ops', 'p2');
        INSERT INTO azure_devops.policy_configurations VALUES ('fabrikam', 'f/pol', 'p1'), ('contoso', 'c/pol', 'p9');
        """
    )
    conn.close()
    rule_file = tmp_path / "rule.sql"
    rule_file.write_text(UNFILTERED_JOIN_RULE)
    rules = load_rule_files([rule_file], source="custom")
    assert rules.errors == ()
    found = {}
    for organization in ("contoso", "fabrikam"):
        with write_connection(path, publish_after_s=None) as conn:
            (result,) = evaluate(conn, list(rules.rules), organization, ParameterConfig(), "r", suppressions=())
        assert result.status is RuleStatus.FAILED, result.reason
        found[organization] = {(f["resource_name"], f["message"]) for f in result.findings}
    # contoso's web is unprotected even though fabrikam has a policy in a project with the same id
    assert found["contoso"] == {("web", "web sees 1 repositories")}
    # fabrikam's api is protected by its own policy; its subquery counts only its own 2 repositories
    assert found["fabrikam"] == {("ops", "ops sees 2 repositories")}
    conn = duckdb.connect(str(path))  # the scoping views were never written into the file
    views = conn.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    assert [view for view in views if view[0] != "compliance"] == []
    conn.close()


def test_rules_that_still_filter_on_organization_keep_working(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(
        "CREATE SCHEMA azure_devops; CREATE TABLE azure_devops.repositories (organization VARCHAR,"
        " resource_id VARCHAR, name VARCHAR); INSERT INTO azure_devops.repositories VALUES ('a', 'a/1', 'x'),"
        " ('b', 'b/1', 'y')"
    )
    conn.close()
    rule_file = tmp_path / "rule.sql"
    rule_file.write_text(
        "/*\nid: custom.explicit\ntitle: t\nseverity: low\nresource_type: repositories\n*/\n"
        "SELECT r.organization, r.resource_id, r.name AS resource_name, 'm' AS message\n"
        "FROM azure_devops.repositories AS r WHERE r.organization = $organization"
    )
    rules = load_rule_files([rule_file], source="custom")
    with write_connection(path, publish_after_s=None) as conn:
        (result,) = evaluate(conn, list(rules.rules), "b", ParameterConfig(), "r", suppressions=())
    assert [f["resource_id"] for f in result.findings] == ["b/1"]
