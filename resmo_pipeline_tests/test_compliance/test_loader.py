"""Custom rules from RESMO_RULES_DIR: good ones load like built-in ones, broken ones are reported and skipped."""

import textwrap
from pathlib import Path

import pytest

from resmo_pipeline import cli
from resmo_pipeline.compliance.loader import (
    BUILTIN_RULES_DIR,
    DOCUMENTATION_KEYS,
    RuleFileError,
    builtin_rules,
    load_rules,
    parse_rule,
)

GOOD_RULE = """\
/*
id: custom.unprotected_repositories
title: Repository without any branch policy
severity: low
resource_type: repositories
description: A repository whose project has no policy configuration at all.
rationale: Policies are the only review gate.
remediation: Add branch policies.
anchors:
  cis: ["1.1.1"]
params:
  name_pattern: '.*'
requires: [policy_configurations]
*/
SELECT organization, resource_id, name AS resource_name, 'no policy' AS message
FROM azure_devops.repositories AS r
WHERE organization = $organization
  AND regexp_matches(name, $name_pattern)
  AND NOT EXISTS (SELECT 1 FROM azure_devops.policy_configurations AS p
                  WHERE p.organization = r.organization AND p.project_id = r.project_id)
"""

HEADER = """\
id: {id}
title: Broken
severity: low
resource_type: repositories
description: d
rationale: r
remediation: m
"""
QUERY = "SELECT organization, resource_id, name AS resource_name, 'x' AS message FROM azure_devops.repositories"

BROKEN_RULES = {
    # file name: (text, what the error must mention)
    "bad_yaml.sql": ("/*\nid: custom.bad_yaml\ntitle: [unclosed\n*/\n" + QUERY, "not valid YAML"),
    "no_metadata.sql": (QUERY, "does not start with a /*"),
    "missing_keys.sql": (
        "/*\nid: custom.missing\ntitle: t\n*/\n" + QUERY,
        "missing metadata keys: severity, resource_type",
    ),
    "bad_id.sql": ("/*\n" + HEADER.format(id="NoArea") + "*/\n" + QUERY, "<area>.<name>"),
    "bad_severity.sql": (
        "/*\n" + HEADER.format(id="custom.bad_severity").replace("low", "urgent") + "*/\n" + QUERY,
        "severity 'urgent'",
    ),
    "unknown_table.sql": (
        "/*\n" + HEADER.format(id="custom.unknown_table") + "*/\n"
        "SELECT organization, resource_id, name AS resource_name, 'x' AS message "
        "FROM azure_devops.pipelinez WHERE organization = $organization",
        "unknown tables: pipelinez",
    ),
    "bad_sql.sql": (
        "/*\n" + HEADER.format(id="custom.bad_sql") + "*/\n"
        "SELECT organization, resource_id, nme AS resource_name, 'x' AS message "
        "FROM azure_devops.repositories WHERE organization = $organization",
        "does not run",
    ),
    "macro_table_not_required.sql": (
        "/*\n" + HEADER.format(id="custom.macro_tables") + "*/\n"
        "SELECT organization, resource_id, resource_name, 'x' AS message FROM open_to_all_pipelines(['queue'])",
        "requires: pipeline_permissions",
    ),
    "undeclared_param.sql": (
        "/*\n"
        + HEADER.format(id="custom.undeclared")
        + "*/\n"
        + QUERY
        + " WHERE organization = $organization AND size > $max_size",
        "$max_size",
    ),
    "missing_columns.sql": (
        "/*\n" + HEADER.format(id="custom.columns") + "*/\n"
        "SELECT organization, resource_id FROM azure_devops.repositories WHERE organization = $organization",
        "resource_name, message",
    ),
    "duplicate_id.sql": (
        "/*\n" + HEADER.format(id="sc.classic_azure") + "*/\n" + QUERY + " WHERE organization = $organization",
        "already used",
    ),
}


def write_rules(directory: Path, rules: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in rules.items():
        (directory / name).write_text(textwrap.dedent(text))
    return directory


def test_custom_rule_loads_from_the_environment_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESMO_RULES_DIR", str(write_rules(tmp_path / "rules", {"repos.sql": GOOD_RULE})))
    rule_set = load_rules()
    assert rule_set.errors == ()
    custom = rule_set.get("custom.unprotected_repositories")
    assert custom.source == "custom"
    assert custom.requires == ("repositories", "policy_configurations")
    assert custom.parameter_names == ("organization", "name_pattern")
    assert custom.anchors == {"cis": ("1.1.1",)}
    assert len(rule_set.rules) == len(builtin_rules().rules) + 1


def test_broken_custom_rules_are_reported_and_skipped(tmp_path: Path) -> None:
    rules = {name: text for name, (text, _) in BROKEN_RULES.items()}
    directory = write_rules(tmp_path / "rules", {**rules, "good.sql": GOOD_RULE})
    rule_set = load_rules(extra_dir=directory)
    errors = {error.path.name: error for error in rule_set.errors}
    assert set(errors) == set(BROKEN_RULES)
    for name, (_, expected) in BROKEN_RULES.items():
        assert expected in str(errors[name]), (name, str(errors[name]))
        assert str(directory / name) in str(errors[name])
        assert errors[name].hint, name
    assert "custom.unprotected_repositories" in {rule.id for rule in rule_set.rules}
    assert len(rule_set.rules) == len(builtin_rules().rules) + 1


def test_missing_rules_directory_is_reported(tmp_path: Path) -> None:
    rule_set = load_rules(extra_dir=tmp_path / "nowhere")
    assert len(rule_set.rules) == len(builtin_rules().rules)
    assert "does not exist" in str(rule_set.errors[0])


def test_rules_validate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_rules(tmp_path / "good", {"repos.sql": GOOD_RULE})
    assert cli.main(["rules", "validate", str(good)]) == 0
    assert "ok       custom.unprotected_repositories" in capsys.readouterr().out

    assert cli.main(["rules", "validate", str(BUILTIN_RULES_DIR)]) == 0
    assert f"{len(builtin_rules().rules)} valid, 0 invalid" in capsys.readouterr().out

    broken = write_rules(tmp_path / "broken", {"bad_sql.sql": BROKEN_RULES["bad_sql.sql"][0]})
    assert cli.main(["rules", "validate", str(broken / "bad_sql.sql")]) == 1
    out = capsys.readouterr().out
    assert "invalid" in out and "bad_sql.sql" in out and "does not run" in out


def test_rules_list_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules", "list"]) == 0
    out = capsys.readouterr().out
    assert "sc.all_pipelines_access" in out and "feeds.supply_chain" in out
    assert cli.main(["rules", "show", "users.inactive"]) == 0
    out = capsys.readouterr().out
    assert "inactive_days: 90" in out and "FROM inactive_users($inactive_days" in out
    assert cli.main(["rules", "show", "no.such_rule"]) == 1


def test_rules_show_fills_in_the_parameter_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text("organizations: {contoso: {users.inactive: {inactive_days: 45}}}\n")
    monkeypatch.setenv("RESMO_RULES_CONFIG", str(config))
    assert cli.main(["rules", "show", "users.inactive"]) == 0
    description = capsys.readouterr().out.split("\n\n")[1]
    assert "90 days" in description and "$" not in description
    assert cli.main(["rules", "show", "users.inactive", "--organization", "Contoso"]) == 0
    out = capsys.readouterr().out
    assert "45 days" in out.split("\n\n")[1] and "inactive_days: 45 (default 90)" in out


def test_definitions_still_load_with_a_broken_custom_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = {"bad_sql.sql": BROKEN_RULES["bad_sql.sql"][0], "good.sql": GOOD_RULE}
    monkeypatch.setenv("RESMO_RULES_DIR", str(write_rules(tmp_path / "rules", rules)))
    from resmo_pipeline.definitions import build_definitions

    defs = build_definitions()
    check_names = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "sc_all_pipelines_access" in check_names
    assert "custom_unprotected_repositories" in check_names
    assert "custom_bad_sql" not in check_names
    assert len(check_names) == len(builtin_rules().rules) + 1


MINIMAL_RULE = """\
/*
id: custom.disabled_repositories
title: Disabled repository
severity: low
resource_type: repositories
*/
SELECT organization, resource_id, name AS resource_name, 'Repository ' || name || ' is disabled' AS message
FROM azure_devops.repositories
WHERE is_disabled
"""


def test_a_minimal_custom_rule_needs_only_id_title_severity_resource_type_and_the_query(tmp_path: Path) -> None:
    rule_set = load_rules(extra_dir=write_rules(tmp_path / "rules", {"minimal.sql": MINIMAL_RULE}))
    assert rule_set.errors == ()
    rule = rule_set.get("custom.disabled_repositories")
    assert (rule.description, rule.rationale, rule.remediation) == ("", "", "")
    assert rule.parameter_names == ()  # no `WHERE organization = $organization` needed


def test_built_in_rules_must_document_themselves() -> None:
    assert all(getattr(rule, key) for rule in builtin_rules() for key in DOCUMENTATION_KEYS)
    with pytest.raises(RuleFileError, match="missing metadata keys: description, rationale, remediation"):
        parse_rule(MINIMAL_RULE, path=Path("x.sql"), source="builtin", known_tables=["repositories"])


def test_a_custom_rule_calling_a_vocabulary_table_macro_must_require_its_table(tmp_path: Path) -> None:
    text = (
        "/*\nid: custom.open_queues\ntitle: Open queue\nseverity: low\nresource_type: pipeline_permissions\n*/\n"
        "SELECT organization, resource_id, resource_name, 'open' AS message FROM open_to_all_pipelines(['queue'])"
    )
    rule_set = load_rules(builtin=False, extra_dir=write_rules(tmp_path / "rules", {"open.sql": text}))
    assert rule_set.errors == ()
    assert rule_set.get("custom.open_queues").requires == ("pipeline_permissions",)
