"""The validated rule set, kept between command-line calls so ``rules list`` and ``rules show`` answer at once.

Loading rules validates every file: its YAML, and its query run against an empty warehouse built from the
catalog. That takes seconds for the built-in rules, and gives the same answer until a rule file, the package's
code (catalog, vocabulary, loader) or DuckDB changes. So the CLI keeps the result in
``RESMO_HOME/cache/rules-*.json``, keyed by the size and modification time of every file the answer depends on;
any change to one of them loads and validates again. The pipeline itself (Dagster code location, evaluation)
never reads this cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from resmo_pipeline import settings
from resmo_pipeline.compliance.model import Rule, RuleLoadError, RuleSet, Severity

FORMAT_VERSION = 1
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# The custom rules directory (the loader's RULES_DIR_ENV; not imported from it, which would load DuckDB).
RULES_DIR_ENV = "RESMO_RULES_DIR"
_SOURCE_SUFFIXES = (".py", ".sql", ".yaml", ".yml")


def _package_files() -> Iterable[Path]:
    for directory, subdirectories, files in os.walk(PACKAGE_DIR):
        subdirectories[:] = [name for name in subdirectories if name != "__pycache__"]
        for name in files:
            if name.endswith(_SOURCE_SUFFIXES):
                yield Path(directory, name)


def _duckdb_files() -> list[Path]:
    spec = importlib.util.find_spec("duckdb")
    return [Path(spec.origin)] if spec and spec.origin else []


def fingerprint(paths: Iterable[Path], extra: Iterable[str] = ()) -> str:
    """A key that changes when any of ``paths`` (or the package's code, or DuckDB) changes."""
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{chr(0).join(extra)}".encode())
    for path in sorted({*_package_files(), *_duckdb_files(), *paths}):
        try:
            stat = path.stat()
        except OSError:
            digest.update(f"{path}\0missing\n".encode())
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _rule_to_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "title": rule.title, "severity": rule.severity.value, "resource_type": rule.resource_type,
        "description": rule.description, "rationale": rule.rationale, "remediation": rule.remediation,
        "sql": rule.sql, "anchors": {key: list(ids) for key, ids in rule.anchors.items()}, "params": dict(rule.params),
        "requires": list(rule.requires), "source": rule.source, "path": str(rule.path) if rule.path else None,
    }


def _rule_from_json(data: Mapping[str, Any]) -> Rule:
    return Rule(
        **{**data, "severity": Severity(data["severity"]),
           "anchors": {key: tuple(ids) for key, ids in data["anchors"].items()},
           "requires": tuple(data["requires"]), "path": Path(data["path"]) if data["path"] else None},
    )


def _encode(rule_set: RuleSet) -> dict[str, Any]:
    return {
        "rules": [_rule_to_json(rule) for rule in rule_set.rules],
        "errors": [{"path": str(e.path), "problem": e.problem, "hint": e.hint} for e in rule_set.errors],
    }


def _decode(data: Mapping[str, Any]) -> RuleSet:
    return RuleSet(
        rules=tuple(_rule_from_json(rule) for rule in data["rules"]),
        errors=tuple(RuleLoadError(path=Path(e["path"]), problem=e["problem"], hint=e["hint"]) for e in data["errors"]),
    )


def cached(name: str, key: str, compute: Callable[[], RuleSet]) -> RuleSet:
    """``compute()``'s rule set, from ``RESMO_HOME/cache/<name>.json`` when it was stored under ``key``."""
    path = settings.resmo_home() / "cache" / f"{name}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return _decode(stored)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no cache yet, or one written by another version: validate again
    rule_set = compute()
    try:
        text = json.dumps({"key": key, **_encode(rule_set)})
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as f:
            f.write(text)
        os.replace(f.name, path)
    except (OSError, TypeError, ValueError):
        pass  # a read-only RESMO_HOME, or a parameter value JSON cannot hold: answer without caching
    return rule_set


def _custom_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.sql")) if directory.is_dir() else [directory]


def cached_rules() -> RuleSet:
    """What ``compliance.loader.load_rules()`` answers (built-in rules and ``RESMO_RULES_DIR``), cached."""
    extra = os.environ.get(RULES_DIR_ENV) or ""
    custom = _custom_files(Path(extra).expanduser()) if extra else []

    def load() -> RuleSet:
        from resmo_pipeline.compliance.loader import load_rules

        return load_rules()

    return cached("rules", fingerprint(custom, [extra]), load)


def cached_validation(files: list[Path], builtin: bool) -> RuleSet:
    """``rules validate``'s answer for these files (checked against the built-in ids unless ``builtin``)."""

    def validate() -> RuleSet:
        from resmo_pipeline.compliance.loader import builtin_rules, load_rule_files

        taken = {} if builtin else {rule.id: rule.path for rule in builtin_rules().rules}
        return load_rule_files(files, source="custom", taken_ids=taken)

    resolved = [path.resolve() for path in files]
    # One cache file per set of files (not per key), so editing a file replaces its entry instead of adding one.
    name = hashlib.sha256("\0".join([str(builtin), *map(str, resolved)]).encode()).hexdigest()[:16]
    return cached(f"validate-{name}", fingerprint(resolved, ["validate", str(builtin)]), validate)
