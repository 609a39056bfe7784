"""The rule reference, generated from the built-in rules themselves (docs/rules.md).

Regenerate with `python -m resmo_pipeline.compliance.docs > docs/rules.md`; a test fails when the committed
page is out of date.
"""

from __future__ import annotations

from collections.abc import Sequence

from resmo_pipeline.compliance.loader import builtin_rules
from resmo_pipeline.compliance.model import Rule

HEADER = """# Built-in rules

Every rule is one SQL file under `resmo_pipeline/compliance/rules/<area>/` and one Dagster asset check on its
resource type's asset. `resmo-pipeline rules show <id>` prints a rule with its query; parameters (`$name`) are
shown here with their default values (override them per organization in `rules.yaml`, see README).

Generated from the rule files by `python -m resmo_pipeline.compliance.docs`; do not edit by hand.
"""

AREAS: dict[str, str] = {
    "path": "Attack paths (several objects joined into one path an attacker could take)",
    "perm": "Effective permissions (who can do what, through which group: azure_devops.effective_permissions)",
    "yaml": "Pipeline YAML",
}


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _anchors(rule: Rule) -> str:
    return "<br>".join(f"{framework}: {', '.join(controls)}" for framework, controls in rule.anchors.items())


def rules_markdown(rules: Sequence[Rule] | None = None) -> str:
    """The page: a summary per area, then one table per area (id, severity, title, resource type, anchors)."""
    rules = sorted(rules if rules is not None else builtin_rules().rules, key=lambda rule: rule.id)
    by_area: dict[str, list[Rule]] = {}
    for rule in rules:
        by_area.setdefault(rule.id.split(".", 1)[0], []).append(rule)
    lines = [HEADER, f"{len(rules)} rules in {len(by_area)} areas.", ""]
    lines += ["| area | rules |", "|---|---|"]
    lines += [f"| [{area}](#{area}) | {len(items)} |" for area, items in by_area.items()]
    for area, items in by_area.items():
        lines += ["", f"## {area}", ""]
        if area in AREAS:
            lines += [AREAS[area] + ".", ""]
        lines += ["| id | severity | title | judges | anchors |", "|---|---|---|---|---|"]
        for rule in items:
            text = rule.rendered()
            lines.append(
                f"| `{rule.id}` | {rule.severity.value} | {_cell(text['title'])} | `{rule.resource_type}` "
                f"| {_anchors(rule)} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(rules_markdown(), end="")
