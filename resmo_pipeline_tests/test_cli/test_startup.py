"""Fast start: building the parser, and the commands that need no Dagster, load neither Dagster nor pandas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import cli_environment

HEAVY = ("dagster", "pandas", "resmo_pipeline.catalog", "resmo_pipeline.azure_devops", "prompt_toolkit")
PROBE = """
import json, sys
from resmo_pipeline.cli import build_parser, main
args = json.loads(sys.argv[1])
code = main(args) if args else (build_parser() and 0)
print(json.dumps({"code": code, "heavy": [m for m in json.loads(sys.argv[2]) if m in sys.modules],
                  "duckdb": "duckdb" in sys.modules}), file=sys.stderr)
"""


def loaded_by(home: Path, *args: str, **env: str) -> dict:
    """Run the CLI with ``args`` (none: only build the parser) in a new process; what it had imported at the end."""
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        env={**cli_environment(home), **env}, capture_output=True, text=True, timeout=120,
    )
    return json.loads(completed.stderr.strip().splitlines()[-1])


def test_building_the_parser_imports_nothing_heavy(tmp_path: Path) -> None:
    found = loaded_by(tmp_path)
    assert found["heavy"] == [] and not found["duckdb"]


def test_listing_commands_run_without_dagster_or_pandas(demo_home: Path) -> None:
    loaded_by(demo_home, "rules", "list")  # the first call after an install validates the rules (and caches them)
    for args in (["sql", "select 1"], ["findings", "--severity", "high"], ["queries", "run", "guests"],
                 ["integrations", "list"], ["rules", "list"], ["rules", "show", "sc.inactive"], ["rules", "coverage"]):
        found = loaded_by(demo_home, *args)
        assert found["code"] == 0, args
        assert found["heavy"] == [], (args, found["heavy"])


def test_rules_are_validated_again_when_a_rule_file_changes(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    rule = rules_dir / "mine.sql"
    rule.write_text("/*\nid: custom.mine\ntitle: Mine\nseverity: low\nresource_type: projects\n*/\n"
                    "SELECT organization, resource_id, name AS resource_name, 'x' AS message\n"
                    "FROM azure_devops.projects")
    home = tmp_path / "home"

    first = loaded_by(home, "rules", "list", RESMO_RULES_DIR=str(rules_dir))
    second = loaded_by(home, "rules", "list", RESMO_RULES_DIR=str(rules_dir))
    rule.write_text(rule.read_text().replace("title: Mine", "title: Mine, renamed"))
    third = loaded_by(home, "rules", "list", RESMO_RULES_DIR=str(rules_dir))

    assert first["code"] == second["code"] == third["code"] == 0
    assert "resmo_pipeline.catalog" in first["heavy"]  # validated: the empty warehouse is built from the catalog
    assert second["heavy"] == []  # answered from the cache
    assert "resmo_pipeline.catalog" in third["heavy"]  # the rule changed: validated again
