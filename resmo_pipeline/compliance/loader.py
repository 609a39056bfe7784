"""Loading rules: the built-in ones shipped with the package and custom ones from ``RESMO_RULES_DIR``.

A rule is one ``.sql`` file: a leading ``/* ... */`` block holding YAML metadata, then a DuckDB query. Every
file is validated (YAML, required keys, id format, severity, known tables, parameters, and the query is run
against an empty warehouse built from the catalog's column types). A file that fails is reported with what is
wrong and how to fix it, and skipped: one broken custom rule never hides the others or breaks the code location.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from resmo_pipeline.compliance.model import (
    ANCHOR_FRAMEWORKS,
    REQUIRED_COLUMNS,
    RULE_ID_PATTERN,
    Rule,
    RuleLoadError,
    RuleSet,
    Severity,
    strip_sql_comments_and_strings,
)
from resmo_pipeline.compliance.vocabulary import prepare_rule_connection, tables_read_by_macros

RULES_DIR_ENV = "RESMO_RULES_DIR"
BUILTIN_RULES_DIR = Path(__file__).parent / "rules"

REQUIRED_KEYS: tuple[str, ...] = ("id", "title", "severity", "resource_type")
"""What every rule must declare; a custom rule needs nothing more than these and its query."""
DOCUMENTATION_KEYS: tuple[str, ...] = ("description", "rationale", "remediation")
"""Optional for custom rules, required for built-in ones (they are shown in Dagster, `rules show` and SARIF)."""
OPTIONAL_KEYS: tuple[str, ...] = (*DOCUMENTATION_KEYS, "anchors", "params", "requires")

_TABLE_REFERENCE = re.compile(r"\bazure_devops\s*\.\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?", re.IGNORECASE)


class RuleFileError(ValueError):
    """A rule file is invalid; the message says what is wrong, the hint how to fix it."""

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


def catalog_tables() -> dict[str, dict[str, str]]:
    """Every inventory table with its DuckDB column types, from the catalog (name -> {column: type})."""
    from resmo_pipeline.catalog import RESOURCE_TYPES

    return {name: dict(resource_type.column_types) for name, resource_type in RESOURCE_TYPES.items()}


def permission_tables() -> dict[str, dict[str, str]]:
    """The tables the effective-permissions assets write (effective_permissions, permission_objects,
    effective_roles) with their DuckDB column types: rules may read them like inventory tables."""
    # The columns of permissions.assets.EVALUATED_TABLES, without importing the assets (and Dagster) to validate.
    from resmo_pipeline.permissions.evaluate import OBJECT_COLUMNS, PERMISSION_COLUMNS
    from resmo_pipeline.permissions.roles import ROLE_COLUMNS

    tables = {"effective_permissions": PERMISSION_COLUMNS, "permission_objects": OBJECT_COLUMNS,
              "effective_roles": ROLE_COLUMNS}
    return {name: {"organization": "VARCHAR", "resource_id": "VARCHAR", **columns, "fetched_at": "TIMESTAMP"}
            for name, columns in tables.items()}


def view_tables() -> dict[str, tuple[str, ...]]:
    """The views over the permission tables (effective_object_permissions, effective_user_permissions,
    effective_user_roles), each with the tables it reads: a rule reading a view must list those in requires."""
    from resmo_pipeline.permissions.views import VIEW_TABLES

    return dict(VIEW_TABLES)


@cache
def _empty_warehouse_tables() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    tables = {**catalog_tables(), **permission_tables()}
    return tuple((name, tuple(columns.items())) for name, columns in tables.items())


def empty_warehouse() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every inventory table and permission table, empty, and the views over the
    permission tables: rule queries are checked against it.

    It is prepared exactly like the connection rules run on in evaluate.py (shared vocabulary, tables scoped
    to one organization), so a query that validates here binds the same way on the real warehouse.
    """
    from resmo_pipeline.permissions.views import create_views

    conn = duckdb.connect(":memory:")
    conn.execute("CREATE SCHEMA azure_devops")
    for name, columns in _empty_warehouse_tables():
        column_sql = ", ".join(f'"{column}" {column_type}' for column, column_type in columns)
        conn.execute(f'CREATE TABLE azure_devops."{name}" ({column_sql})')
    create_views(conn, permission_tables())
    prepare_rule_connection(conn, "")
    return conn


def split_rule_text(text: str) -> tuple[dict[str, Any], str]:
    """The YAML metadata (from the leading block comment) and the query of a rule file."""
    stripped = text.lstrip()
    if not stripped.startswith("/*"):
        raise RuleFileError(
            "the file does not start with a /* ... */ block holding the rule's YAML metadata",
            "put the metadata (id, title, severity, ...) in a block comment at the very top of the file",
        )
    end = stripped.find("*/")
    if end < 0:
        raise RuleFileError("the leading /* block comment is never closed", "close the metadata block with */")
    try:
        metadata = yaml.safe_load(stripped[2:end])
    except yaml.YAMLError as exc:
        raise RuleFileError(f"the metadata is not valid YAML: {exc}", "check indentation and quoting") from exc
    if not isinstance(metadata, dict):
        raise RuleFileError("the metadata block is not a YAML mapping", "write `key: value` lines")
    sql = stripped[end + 2 :].strip().rstrip(";").strip()
    if not sql:
        raise RuleFileError("there is no query after the metadata block", "add the SELECT returning violations")
    return metadata, sql


def parse_rule(text: str, *, path: Path, source: str, known_tables: Iterable[str]) -> Rule:
    """Turn one rule file's text into a Rule, checking everything that can be checked without data."""
    metadata, sql = split_rule_text(text)
    missing = [key for key in REQUIRED_KEYS if not metadata.get(key)]
    if source == "builtin":
        missing += [key for key in DOCUMENTATION_KEYS if not metadata.get(key)]
    if missing:
        raise RuleFileError(f"missing metadata keys: {', '.join(missing)}", f"add {', '.join(missing)}")
    unknown = sorted(set(metadata) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise RuleFileError(
            f"unknown metadata keys: {', '.join(unknown)}",
            f"allowed keys are {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}",
        )
    rule_id = str(metadata["id"])
    if not RULE_ID_PATTERN.match(rule_id):
        raise RuleFileError(
            f"id {rule_id!r} is not of the form <area>.<name>",
            "use lower-case snake_case on both sides of one dot, e.g. sc.all_pipelines_access",
        )
    try:
        severity = Severity(str(metadata["severity"]).lower())
    except ValueError:
        raise RuleFileError(
            f"severity {metadata['severity']!r} is not one of {', '.join(s.value for s in Severity)}",
            "pick one of critical, high, medium, low",
        ) from None
    known = set(known_tables)
    resource_type = str(metadata["resource_type"])
    requires = _string_list(metadata.get("requires") or [], "requires")
    requires = tuple(dict.fromkeys([resource_type, *requires]))
    unknown_tables = [table for table in requires if table not in known]
    code = strip_sql_comments_and_strings(sql)
    referenced = dict.fromkeys(match.lower() for match in _TABLE_REFERENCE.findall(code))
    referenced.update(dict.fromkeys(tables_read_by_macros(sql)))  # what the vocabulary macros it calls read
    # A view is no asset and has no collection: the rule depends on (and requires) the tables behind it.
    views = view_tables()
    referenced = dict.fromkeys(
        behind for table in referenced for behind in views.get(table, (table,))
    )
    unknown_tables += [table for table in referenced if table not in known and table not in unknown_tables]
    if unknown_tables:
        raise RuleFileError(
            f"unknown tables: {', '.join(unknown_tables)}",
            "use inventory tables listed in docs/resource-types.md (azure_devops.<resource type>) or the permission "
            "tables of docs/permissions.md (for a view, require the tables it reads)",
        )
    undeclared = [table for table in referenced if table not in requires]
    if undeclared:
        raise RuleFileError(
            f"the query reads tables not listed in requires: {', '.join(undeclared)}",
            "add them to `requires:` so the rule reports 'not evaluable' when they were not collected",
        )
    params = metadata.get("params") or {}
    if not isinstance(params, dict):
        raise RuleFileError("params must be a mapping of name to default value", "write `params: {name: value}`")
    rule = Rule(
        id=rule_id,
        title=str(metadata["title"]).strip(),
        severity=severity,
        resource_type=resource_type,
        description=str(metadata.get("description") or "").strip(),
        rationale=str(metadata.get("rationale") or "").strip(),
        remediation=str(metadata.get("remediation") or "").strip(),
        sql=sql,
        anchors=_anchors(metadata.get("anchors") or {}),
        params=dict(params),
        requires=requires,
        source=source,
        path=path,
    )
    _check_parameters(rule)
    return rule


def _string_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(item, str | int) for item in value):
        raise RuleFileError(f"{key} must be a list of strings", f"write `{key}: [a, b]`")
    return [str(item) for item in value]


def _anchors(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise RuleFileError("anchors must be a mapping of framework to control ids", "write `anchors: {cis: [...]}`")
    unknown = sorted(set(value) - set(ANCHOR_FRAMEWORKS))
    if unknown:
        raise RuleFileError(
            f"unknown anchor frameworks: {', '.join(unknown)}",
            f"use {', '.join(ANCHOR_FRAMEWORKS)}",
        )
    return {
        framework: tuple(_string_list(value[framework], f"anchors.{framework}"))
        for framework in ANCHOR_FRAMEWORKS
        if value.get(framework)
    }


def _check_parameters(rule: Rule) -> None:
    # No `WHERE organization = $organization` is needed: every azure_devops table a rule reads is already
    # scoped to the evaluated organization (vocabulary.rule_connection). $organization stays available.
    used = rule.parameter_names
    undeclared = [name for name in used if name != "organization" and name not in rule.params]
    if undeclared:
        raise RuleFileError(
            f"parameters without a default: {', '.join('$' + name for name in undeclared)}",
            "declare them under `params:` with their default value",
        )


def check_query(rule: Rule, conn: duckdb.DuckDBPyConnection) -> None:
    """Run the rule on an empty warehouse: the SQL must bind and return the required columns."""
    values = {"organization": "", **rule.params}
    try:
        relation = conn.execute(rule.sql, {name: values[name] for name in rule.parameter_names})
        columns = [column[0] for column in relation.description or []]
        relation.fetchall()
    except duckdb.Error as exc:
        raise RuleFileError(
            f"the query does not run: {exc}".strip(), "fix the SQL (run it with `resmo-pipeline sql`)"
        ) from exc
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise RuleFileError(
            f"the query does not return the columns {', '.join(missing)}",
            f"return one row per violating resource with {', '.join(REQUIRED_COLUMNS)}",
        )


def load_rule_files(
    paths: Iterable[Path],
    *,
    source: str,
    taken_ids: Mapping[str, Path] | None = None,
    conn: duckdb.DuckDBPyConnection | None = None,
) -> RuleSet:
    """Load and validate rule files; invalid ones become RuleLoadErrors (duplicate ids included)."""
    known_tables = [name for name, _ in _empty_warehouse_tables()]
    own_conn = conn is None
    conn = conn or empty_warehouse()
    seen: dict[str, Path] = dict(taken_ids or {})
    rules: list[Rule] = []
    errors: list[RuleLoadError] = []
    try:
        for path in paths:
            try:
                rule = parse_rule(path.read_text(encoding="utf-8"), path=path, source=source, known_tables=known_tables)
                if rule.id in seen:
                    raise RuleFileError(
                        f"rule id {rule.id!r} is already used by {seen[rule.id]}",
                        "give the rule a different id",
                    )
                check_query(rule, conn)
            except RuleFileError as exc:
                errors.append(RuleLoadError(path=path, problem=exc.problem, hint=exc.hint))
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(RuleLoadError(path=path, problem=f"cannot read the file: {exc}"))
            else:
                seen[rule.id] = path
                rules.append(rule)
    finally:
        if own_conn:
            conn.close()
    return RuleSet(rules=tuple(rules), errors=tuple(errors))


def rule_files(directory: Path) -> list[Path]:
    """The ``.sql`` files under a directory (recursively), in a stable order."""
    return sorted(directory.rglob("*.sql"))


@cache
def builtin_rules() -> RuleSet:
    """The rules shipped with the package (validated once per process: they cannot change while it runs)."""
    return load_rule_files(rule_files(BUILTIN_RULES_DIR), source="builtin")


def load_rules(builtin: bool = True, extra_dir: str | Path | None = None) -> RuleSet:
    """All rules to evaluate: the built-in ones and those in ``extra_dir`` (default: env ``RESMO_RULES_DIR``).

    Never raises for a bad rule file: the RuleSet lists it under ``errors`` and the others still load.
    """
    if extra_dir is None:
        extra_dir = os.environ.get(RULES_DIR_ENV) or None
    loaded = builtin_rules() if builtin else RuleSet()
    if extra_dir is None:
        return loaded
    directory = Path(extra_dir).expanduser()
    if not directory.is_dir():
        missing = RuleLoadError(
            path=directory,
            problem="the custom rules directory does not exist",
            hint=f"create it or correct {RULES_DIR_ENV}",
        )
        return RuleSet(rules=loaded.rules, errors=(*loaded.errors, missing))
    taken = {rule.id: rule.path or directory for rule in loaded.rules}
    custom = load_rule_files(rule_files(directory), source="custom", taken_ids=taken)
    return RuleSet(rules=loaded.rules + custom.rules, errors=loaded.errors + custom.errors)
