"""What a compliance rule is, and what judging an organization against it produces."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(enum.StrEnum):
    """How bad a violation is; ``critical`` and ``high`` show as errors in Dagster, the rest as warnings."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is worse: lets ``--fail-on high`` mean "high or critical"."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class RuleStatus(enum.StrEnum):
    """Outcome of one rule for one organization in one evaluation."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_EVALUABLE = "not_evaluable"  # a required table was not collected (usually a missing PAT scope)
    ERROR = "error"  # the rule's SQL failed at run time


class FindingStatus(enum.StrEnum):
    """Life-cycle of one (rule, organization, resource) finding."""

    OPEN = "open"
    RESOLVED = "resolved"
    SUPPRESSED = "suppressed"


ANCHOR_FRAMEWORKS: tuple[str, ...] = ("adoscanner", "defender", "maester", "psrule", "cis", "owasp")
"""Control catalogs a rule can point to; each gets its own compliance score."""

REQUIRED_COLUMNS: tuple[str, ...] = ("organization", "resource_id", "resource_name", "message")
"""Columns every rule query must return, one row per violating resource."""

RULE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
PARAMETER_PATTERN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Rule:
    """One compliance rule: metadata from the YAML front matter plus the DuckDB query finding violations.

    The query returns one row per violating resource with at least ``organization``, ``resource_id``,
    ``resource_name`` and ``message``. It sees only the evaluated organization's rows of every
    ``azure_devops`` table (see compliance/vocabulary), so filtering on ``$organization`` is optional.
    Optional columns: ``project_name``; ``url`` (else a link is derived, see links.py, from ``id``);
    ``resource_type`` when one rule judges several tables. Other ``$name`` placeholders are parameters with
    defaults in ``params``.
    """

    id: str
    title: str
    severity: Severity
    resource_type: str
    description: str
    rationale: str
    remediation: str
    sql: str
    anchors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    source: str = "builtin"
    path: Path | None = None

    @property
    def check_name(self) -> str:
        """The Dagster asset-check name: the id with ``_`` for ``.``."""
        return self.id.replace(".", "_")

    def render(self, text: str, values: Mapping[str, Any] | None = None) -> str:
        """``text`` (e.g. the description) with ``$name`` replaced by the parameter's value: ``values`` (the
        effective values for an organization) over the rule's defaults. Unknown ``$name``s are left alone."""
        return render_parameters(text, {**self.params, **(values or {})})

    def rendered(self, values: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Title, description, rationale and remediation as users read them: parameter values filled in."""
        return {
            name: self.render(getattr(self, name), values)
            for name in ("title", "description", "rationale", "remediation")
        }

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The ``$name`` placeholders the query uses, in order of first use."""
        return tuple(dict.fromkeys(PARAMETER_PATTERN.findall(strip_sql_comments_and_strings(self.sql))))


@dataclass(frozen=True)
class RuleLoadError:
    """A rule file that could not be loaded: where, what is wrong and how to fix it."""

    path: Path
    problem: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.problem}"
        return f"{text} (fix: {self.hint})" if self.hint else text


@dataclass(frozen=True)
class RuleSet:
    """The rules that loaded, plus the files that did not (reported, never fatal)."""

    rules: tuple[Rule, ...] = ()
    errors: tuple[RuleLoadError, ...] = ()

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule with that id, or with that Dagster check name (``sc_inactive`` for ``sc.inactive``); KeyError
        naming the known ids' count otherwise."""
        for rule in self.rules:
            if rule_id in (rule.id, rule.check_name):
                return rule
        raise KeyError(f"unknown rule {rule_id!r} ({len(self.rules)} rules loaded; see `resmo-pipeline rules list`)")


FINDINGS_SHOWN = 20
"""Violating rows an evaluation hands back per rule and organization for display: the Dagster check's table
lists this many (converting every row of a rule flagging thousands cost more than the queries)."""


@dataclass(frozen=True)
class RuleResult:
    """One rule judged for one organization: status, counts, and the current violations.

    ``violations`` counts open (unsuppressed) violations only; suppressed ones are counted apart and never
    make a rule fail. ``findings`` holds the violating rows (open first) for display: at most
    ``FINDINGS_SHOWN`` of them (a rule may flag thousands; all are in ``compliance.findings``).
    """

    rule_id: str
    organization: str
    status: RuleStatus
    violations: int = 0
    suppressed: int = 0
    reason: str | None = None
    findings: tuple[Mapping[str, Any], ...] = ()


_COMMENT_OR_STRING = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.DOTALL)


def strip_sql_comments_and_strings(sql: str) -> str:
    """The SQL with comments and literals blanked, so ``$name`` inside them is not taken for a parameter."""
    return _COMMENT_OR_STRING.sub(" ", sql)


def format_parameter(value: Any) -> str:
    """A parameter value as words: lists comma-separated, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(format_parameter(item) for item in value)
    return str(value)


def render_parameters(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with each ``$name`` that names one of ``values`` replaced by that value (format_parameter)."""
    return PARAMETER_PATTERN.sub(
        lambda match: format_parameter(values[match.group(1)]) if match.group(1) in values else match.group(0), text
    )
