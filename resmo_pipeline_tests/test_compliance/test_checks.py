"""Rules as Dagster asset checks: materialize a small selection for one organization on a test instance and read
back what the UI shows (status, severity, metadata with a table of linked violations), alone and after the
findings asset that evaluates the rules once for the run."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from resmo_pipeline.compliance.assets import FINDINGS_KEY, build_findings_asset
from resmo_pipeline.compliance.checks import build_compliance_checks, rules_of_run
from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.compliance.model import PARAMETER_PATTERN
from resmo_pipeline.inventory.partitions import organizations
from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.resource import WarehouseResource

from .conftest import ORGANIZATION

RULES = builtin_rules()
TYPES = ("service_connections", "pipeline_permissions", "service_connection_usage")


def stub_asset(resource_type: str) -> dg.AssetsDefinition:
    """Stands in for the inventory asset: the warehouse already holds the collected rows."""

    @dg.asset(key=["azure_devops", resource_type], partitions_def=organizations, name=None)
    def _stub() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    return _stub


def materialize_checks(
    warehouse: Path, rule_ids: list[str], with_findings: bool = False
) -> tuple[dg.ExecuteInProcessResult, dict]:
    assets = [stub_asset(name) for name in TYPES]
    keys = {key for asset in assets for key in asset.keys}
    rules = [RULES.get(rule_id) for rule_id in rule_ids]
    checks = build_compliance_checks(rules, keys, findings_key=FINDINGS_KEY if with_findings else None)
    if with_findings:
        assets.append(build_findings_asset(rules, keys))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("organizations", [ORGANIZATION])
        result = dg.materialize(
            [*assets, *checks],
            instance=instance,
            partition_key=ORGANIZATION,
            resources={"warehouse": WarehouseResource(path=str(warehouse))},
        )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return result, evaluations


def test_failed_rules_show_count_severity_and_linked_violations(demo_warehouse: Path) -> None:
    result, evaluations = materialize_checks(demo_warehouse, ["sc.all_pipelines_access", "sc.inactive"])
    assert result.success
    high = evaluations["sc_all_pipelines_access"]
    assert not high.passed and high.severity is dg.AssetCheckSeverity.ERROR
    assert high.asset_key == dg.AssetKey(["azure_devops", "service_connections"])
    metadata = {key: value.value for key, value in high.metadata.items()}
    assert metadata["status"] == "failed" and metadata["violations"] == 1
    assert metadata["organization"] == ORGANIZATION
    (row,) = [record.data for record in metadata["violating_resources"].records]
    assert row["resource"] == "legacy-azure-secret" and row["status"] == "open" and row["project"] == "Contoso Web"
    assert row["link"].startswith("https://dev.azure.com/contoso/Contoso%20Web/_settings/adminservices?resourceId=")
    # Execution history shows the description: it names the resource.
    assert high.description == (
        "1 violation of Service connection is authorized for all pipelines: legacy-azure-secret"
    )

    medium = evaluations["sc_inactive"]
    assert not medium.passed and medium.severity is dg.AssetCheckSeverity.WARN
    assert medium.metadata["violations"].value == 2

    # Findings and results were written once per rule, under the Dagster run's id.
    with duckdb.connect(str(demo_warehouse), read_only=True) as conn:
        runs = conn.execute("SELECT rule_id, run_id FROM compliance.rule_results ORDER BY rule_id").fetchall()
        findings = conn.execute("SELECT count(*) FROM compliance.findings WHERE status = 'open'").fetchall()
    assert runs == [("sc.all_pipelines_access", result.run_id), ("sc.inactive", result.run_id)]
    assert findings == [(3,)]


def test_not_evaluable_rule_is_a_warning_with_the_reason(demo_warehouse: Path) -> None:
    with write_connection(demo_warehouse, publish_after_s=None) as conn:
        conn.execute(
            "UPDATE meta.collection_runs SET status = 'not_collected', required_scope = 'vso.build'"
            " WHERE resource_type = 'pipeline_permissions'"
        )
    result, evaluations = materialize_checks(demo_warehouse, ["sc.all_pipelines_access"])
    assert result.success
    check = evaluations["sc_all_pipelines_access"]
    assert not check.passed and check.severity is dg.AssetCheckSeverity.WARN
    assert check.metadata["status"].value == "not_evaluable"
    assert "vso.build" in check.metadata["reason"].value
    assert check.description.startswith("Not evaluable: azure_devops.pipeline_permissions was not collected")


@pytest.mark.parametrize("rule_id", ["sc.all_pipelines_access", "users.inactive"])
def test_check_definition(rule_id: str) -> None:
    rule = RULES.get(rule_id)
    (check,) = build_compliance_checks([rule])
    (spec,) = check.check_specs
    assert spec.name == rule_id.replace(".", "_")
    assert spec.asset_key == dg.AssetKey(["azure_devops", rule.resource_type])
    assert not spec.blocking
    assert rule.title in spec.description
    assert {dep.asset_key for dep in spec.additional_deps} == {
        dg.AssetKey(["azure_devops", table]) for table in rule.requires if table != rule.resource_type
    }


def test_check_without_a_partition_judges_every_collected_organization(demo_warehouse: Path) -> None:
    @dg.asset(key=["azure_devops", "service_connections"])
    def service_connections() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    (check,) = build_compliance_checks([RULES.get("sc.classic_azure")], {service_connections.key})
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [service_connections, check],
            instance=instance,
            resources={"warehouse": WarehouseResource(path=str(demo_warehouse))},
        )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.metadata["organization"].value == ORGANIZATION
    assert [r.data["resource"] for r in evaluation.metadata["violating_resources"].value.records] == [
        "classic-azure-subscription"
    ]


def test_rules_run_in_batches_and_a_batch_out_of_duckdb_memory_runs_again_with_more(
    demo_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from resmo_pipeline.compliance import checks
    from resmo_pipeline.warehouse import access

    monkeypatch.setattr(checks, "RULES_PER_TRANSACTION", 2)
    calls: list[tuple[list[str], str]] = []
    real_evaluate = checks.evaluate

    def tight_first_batch(conn, rules, organization, **kwargs):
        calls.append(([rule.id for rule in rules], access.writer_memory_limit()))
        if len(calls) == 1:
            raise duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block of size 256.0 KiB")
        return real_evaluate(conn, rules, organization, **kwargs)

    monkeypatch.setattr(checks, "evaluate", tight_first_batch)
    result, evaluations = materialize_checks(demo_warehouse, ["sc.all_pipelines_access", "sc.inactive",
                                                              "sc.classic_azure"])
    assert result.success
    # three rules, two per transaction: the first batch failed once and ran again with more memory
    assert [ids for ids, _ in calls] == [["sc.all_pipelines_access", "sc.classic_azure"]] * 2 + [["sc.inactive"]]
    base = access.writer_memory_megabytes()
    factor = access.OUT_OF_MEMORY_RETRY_FACTOR
    assert factor >= 2 and [limit for _, limit in calls] == [f"{base}MB", f"{base * factor}MB", f"{base}MB"]
    assert evaluations["sc_inactive"].metadata["violations"].value == 2
    assert not evaluations["sc_classic_azure"].passed


def test_the_findings_asset_evaluates_once_and_the_checks_report_its_results(demo_warehouse: Path) -> None:
    result, evaluations = materialize_checks(demo_warehouse, ["sc.all_pipelines_access", "sc.inactive"], True)
    assert result.success
    steps = [event.step_key for event in result.all_events if event.event_type_value == "STEP_START"]
    assert steps.index("compliance__findings") < steps.index("compliance_rules")
    assert evaluations["sc_inactive"].metadata["violations"].value == 2
    assert [r.data["resource"] for r in evaluations["sc_all_pipelines_access"].metadata["violating_resources"]
            .value.records] == ["legacy-azure-secret"]
    # One evaluation: one result per rule for the run, not one from the asset and one from the check step.
    with duckdb.connect(str(demo_warehouse), read_only=True) as conn:
        runs = conn.execute("SELECT rule_id, run_id FROM compliance.rule_results ORDER BY rule_id").fetchall()
    assert runs == [("sc.all_pipelines_access", result.run_id), ("sc.inactive", result.run_id)]

    (materialization,) = result.asset_materializations_for_node("compliance__findings")
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["open_total"] == 3 and metadata["open_high"] == 1 and metadata["open_medium"] == 2
    assert metadata["open_critical"] == 0 and metadata["dagster/row_count"] == 3
    assert metadata["score_all"] == 0.0  # both rules fail
    records = [record.data for record in metadata["open_findings"].records]
    assert records[0]["severity"] == "high" and records[0]["rule"] == "sc.all_pipelines_access"
    assert {record["resource"] for record in records[1:]} == {"classic-azure-subscription", "legacy-azure-secret"}
    assert all(record["link"].startswith("https://dev.azure.com/contoso/") for record in records)
    assert [record.data for record in metadata["failing_assets"].records] == [
        {"asset": "azure_devops/service_connections", "failing_rules": "2", "open_findings": "3",
         "worst_severity": "high"}
    ]


def test_every_check_description_is_one_line_with_its_parameters_filled_in() -> None:
    (checks,) = build_compliance_checks(list(RULES.rules))
    specs = list(checks.check_specs)
    assert len(specs) == len(RULES.rules) >= 150
    parameters = {name for rule in RULES.rules for name in rule.params}
    for spec in specs:
        assert "\n" not in spec.description, spec.name
        assert not PARAMETER_PATTERN.findall(spec.description), (spec.name, spec.description)
        rule = RULES.get(spec.metadata["rule_id"])
        assert spec.name == rule.check_name and spec.metadata["severity"] == rule.severity.value
        assert spec.metadata["remediation"] and spec.metadata["anchors"]
        for text in ("remediation", "rationale"):  # these may quote shell variables ("$TABLE"), never parameters
            assert not set(PARAMETER_PATTERN.findall(spec.metadata[text])) & parameters, (spec.name, text)
    # A rule whose texts name a parameter shows its value: users.inactive says how many days.
    inactive = next(spec for spec in specs if spec.name == "users_inactive")
    assert str(RULES.get("users.inactive").params["inactive_days"]) in inactive.description


def test_a_run_evaluates_the_rules_of_what_it_selected() -> None:
    rules = [RULES.get("sc.inactive"), RULES.get("repo.default_branch_reviewers"), RULES.get("path.sc_wide_ungated")]
    service_connections = dg.AssetKey(["azure_devops", "service_connections"])
    check = dg.AssetCheckKey(service_connections, "sc_inactive")
    assert rules_of_run(rules, None, None) == rules  # a full sync
    assert rules_of_run(rules, None, {FINDINGS_KEY}) == rules  # "Materialize" on the findings alone
    assert rules_of_run(rules, {check}, None) == [rules[0]]  # the change sensor names its checks
    # `sync --types service_connections`: the rules judging it, and those reading it (the attack path).
    assert [rule.id for rule in rules_of_run(rules, None, {service_connections, FINDINGS_KEY})] == [
        "sc.inactive", "path.sc_wide_ungated"
    ]
