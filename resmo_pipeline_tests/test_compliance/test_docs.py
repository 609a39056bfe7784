"""docs/rules.md is generated from the built-in rules and stays in step with them."""

from pathlib import Path

from resmo_pipeline.compliance.docs import rules_markdown
from resmo_pipeline.compliance.loader import builtin_rules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rule_reference_is_current() -> None:
    # After adding or changing a rule: python -m resmo_pipeline.compliance.docs > docs/rules.md
    assert DOCS.read_text(encoding="utf-8") == rules_markdown()


def test_rule_reference_lists_every_rule_with_its_values() -> None:
    page = rules_markdown()
    for rule in builtin_rules().rules:
        assert f"| `{rule.id}` | {rule.severity.value} |" in page, rule.id
        for name in rule.params:
            assert f"${name}" not in page, (rule.id, name)  # titles show the default values
