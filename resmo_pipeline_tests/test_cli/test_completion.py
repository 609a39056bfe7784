"""Shell completion generated from the parser, exercised in a real bash."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from resmo_pipeline.cli import build_parser
from resmo_pipeline.completion import bash_script, zsh_script

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def complete(line: str) -> list[str]:
    """What bash offers for ``line`` (the word under the cursor is its last, possibly empty, word)."""
    words = line.split(" ")
    program = f"""{bash_script(build_parser())}
COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}
_resmo_pipeline; printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    completed = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.split()


def test_subcommands_options_and_values() -> None:
    assert complete("resmo-pipeline ru") == ["rules"]
    assert set(complete("resmo-pipeline rules ")) >= {"list", "show", "validate", "coverage"}
    assert complete("resmo-pipeline findings --format ") == ["table", "csv", "json", "markdown", "sarif", "junit"]
    assert complete("resmo-pipeline findings --severity h") == ["high"]
    assert "--with-dependents" in complete("resmo-pipeline sync contoso --")


def test_names_of_saved_questions_and_rules() -> None:
    assert complete("resmo-pipeline queries run gue") == ["guests"]
    assert complete("resmo-pipeline rules show sc.inac") == ["sc.inactive"]


def test_zsh_loads_the_same_function_through_bashcompinit() -> None:
    script = zsh_script(build_parser())
    assert script.startswith("autoload -U +X bashcompinit && bashcompinit\n")
    assert script.rstrip().endswith("complete -F _resmo_pipeline resmo-pipeline")
