"""How much of each public control catalog the built-in rules cover ("coverage as data").

The catalogs are data files beside this module (one YAML file per framework: adoscanner, defender, owasp,
maester, psrule), plus two hand-kept files:

- ``folded.yaml``: controls a rule really checks although its ``anchors:`` do not list them, keyed by rule id;
- ``not_evaluable.yaml``: controls no rule can check from the data this tool collects, each with the reason.

Every control gets one status, in this order of precedence:

- ``implemented``: a loaded rule lists the control in its ``anchors:`` (an anchor ``"DfC DevOps #7: text"``
  counts for control ``DfC DevOps #7``: the part before the first colon is the id);
- ``folded``: a loaded rule covers it as part of a broader check (``folded.yaml``);
- ``not_evaluable``: it cannot be checked from the warehouse (``not_evaluable.yaml``, with the reason);
- ``missing``: none of these; a rule could be written (for the ADO Security Scanner the reason column names the
  data it needs).

The headline figure per framework is the share of *evaluable* controls that are implemented or folded. For the
ADO Security Scanner the evaluable controls are those the scanner automates on a documented or internal API
(manual controls are left out, whatever their status); for the other frameworks, every control not marked
not_evaluable. ``resmo-pipeline rules coverage`` prints it; :func:`write_coverage` stores it as
``compliance.coverage``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from resmo_pipeline.compliance.model import Rule

DATA_DIR = Path(__file__).resolve().parent
FRAMEWORKS: tuple[str, ...] = ("adoscanner", "defender", "owasp", "maester", "psrule")
"""Catalogs with a control list here, in display order (CIS anchors exist but the guide's list is not shipped)."""

IMPLEMENTED, FOLDED, NOT_EVALUABLE, MISSING = "implemented", "folded", "not_evaluable", "missing"
STATUSES: tuple[str, ...] = (IMPLEMENTED, FOLDED, NOT_EVALUABLE, MISSING)
API_EVALUABLE_CLASSES = frozenset({"documented", "internal"})

COVERAGE_COLUMNS: dict[str, str] = {
    "framework": "VARCHAR",
    "control_id": "VARCHAR",
    "title": "VARCHAR",
    "status": "VARCHAR",
    "rule_ids": "VARCHAR[]",
    "reason": "VARCHAR",
    "resource": "VARCHAR",
    "automated": "BOOLEAN",
    "api_class": "VARCHAR",
    "evaluable": "BOOLEAN",
    "updated_at": "TIMESTAMP",
}
"""Columns of ``compliance.coverage``: one row per (framework, control)."""


class CoverageDataError(ValueError):
    """A coverage data file is malformed: which file and what is wrong."""


@dataclass(frozen=True)
class Control:
    """One control of a public catalog, as shipped in ``coverage/<framework>.yaml``."""

    framework: str
    id: str
    title: str
    resource: str = ""
    automated: bool | None = None  # ADO Security Scanner: the scanner evaluates it (False = manual control)
    api_class: str | None = None  # ADO Security Scanner: documented | internal | manual
    enabled: bool = True
    data_needed: str = ""

    @property
    def evaluable(self) -> bool:
        """Counts in the framework's coverage percentage (see the module docstring)."""
        if self.framework == "adoscanner":
            return bool(self.automated) and self.api_class in API_EVALUABLE_CLASSES
        return True


@dataclass(frozen=True)
class Framework:
    """A control catalog: its key (as used in rule anchors), display name and controls in file order."""

    key: str
    name: str
    controls: tuple[Control, ...]


@dataclass(frozen=True)
class ControlCoverage:
    """What covers one control: status, the rules involved and why (fold notes, not-evaluable reason or, for a
    missing ADO Security Scanner control, the data a rule needs)."""

    control: Control
    status: str
    rule_ids: tuple[str, ...] = ()
    reason: str = ""

    @property
    def evaluable(self) -> bool:
        """Counts in the coverage percentage: evaluable by nature and not marked not_evaluable."""
        return self.control.evaluable and self.status != NOT_EVALUABLE

    def as_row(self) -> dict[str, Any]:
        """The ``compliance.coverage`` row (without ``updated_at``) and the CLI's CSV/JSON record."""
        return {
            "framework": self.control.framework,
            "control_id": self.control.id,
            "title": self.control.title,
            "status": self.status,
            "rule_ids": list(self.rule_ids),
            "reason": self.reason,
            "resource": self.control.resource,
            "automated": self.control.automated,
            "api_class": self.control.api_class,
            "evaluable": self.evaluable,
        }


@dataclass(frozen=True)
class FrameworkSummary:
    """Counts per status for one framework and the share of evaluable controls implemented or folded."""

    framework: str
    name: str
    total: int
    implemented: int
    folded: int
    not_evaluable: int
    missing: int
    evaluable: int
    evaluable_covered: int

    @property
    def percent(self) -> float | None:
        """Implemented or folded, in percent of the evaluable controls (None when none is evaluable)."""
        return round(100 * self.evaluable_covered / self.evaluable, 1) if self.evaluable else None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "percent": self.percent}


@dataclass(frozen=True)
class Coverage:
    """Coverage of every control of every framework, plus the data problems found on the way (``warnings``:
    anchors naming unknown controls, fold or not-evaluable entries naming unknown rules or controls)."""

    controls: tuple[ControlCoverage, ...]
    frameworks: Mapping[str, Framework] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def select(self, framework: str | None = None, status: str | None = None) -> list[ControlCoverage]:
        """The controls of one framework and/or with one status (all when both are None)."""
        return [
            item
            for item in self.controls
            if (framework is None or item.control.framework == framework) and (status is None or item.status == status)
        ]

    def summary(self, framework: str | None = None) -> list[FrameworkSummary]:
        """One summary per framework (in FRAMEWORKS order), or only for ``framework``."""
        summaries = []
        for key, fw in self.frameworks.items():
            if framework is not None and key != framework:
                continue
            items = self.select(key)
            counts = {status: sum(1 for item in items if item.status == status) for status in STATUSES}
            evaluable = [item for item in items if item.evaluable]
            summaries.append(
                FrameworkSummary(
                    framework=key,
                    name=fw.name,
                    total=len(items),
                    implemented=counts[IMPLEMENTED],
                    folded=counts[FOLDED],
                    not_evaluable=counts[NOT_EVALUABLE],
                    missing=counts[MISSING],
                    evaluable=len(evaluable),
                    evaluable_covered=sum(1 for item in evaluable if item.status in (IMPLEMENTED, FOLDED)),
                )
            )
        return summaries


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (plain YAML keeps the last one, silently dropping the
    first rule's entries in folded.yaml)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} appears twice; merge its entries into one", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise CoverageDataError(f"{path}: cannot read ({exc})") from exc


def load_framework(path: Path) -> Framework:
    """One framework file: ``{framework, name, controls: [{id, title, ...}]}``."""
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("controls"), list):
        raise CoverageDataError(f"{path}: expected a mapping with a `controls:` list")
    key = str(data.get("framework") or path.stem)
    controls: list[Control] = []
    for entry in data["controls"]:
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
            raise CoverageDataError(f"{path}: every control needs an `id` and a `title` (got {entry!r})")
        controls.append(
            Control(
                framework=key,
                id=str(entry["id"]),
                title=str(entry["title"]),
                resource=str(entry.get("resource") or ""),
                automated=entry.get("automated"),
                api_class=entry.get("api_class"),
                enabled=bool(entry.get("enabled", True)),
                data_needed=str(entry.get("data_needed") or ""),
            )
        )
    ids = [control.id for control in controls]
    duplicates = sorted({control_id for control_id in ids if ids.count(control_id) > 1})
    if duplicates:
        raise CoverageDataError(f"{path}: duplicate control ids {', '.join(duplicates)}")
    return Framework(key=key, name=str(data.get("name") or key), controls=tuple(controls))


def load_frameworks(directory: Path = DATA_DIR, keys: Iterable[str] = FRAMEWORKS) -> dict[str, Framework]:
    """The shipped control catalogs, keyed by framework."""
    return {key: load_framework(directory / f"{key}.yaml") for key in keys}


def load_folded(path: Path = DATA_DIR / "folded.yaml") -> dict[str, dict[str, dict[str, str]]]:
    """``{rule id: {framework: {control id: note}}}`` from the fold map."""
    data = _read_yaml(path) or {}
    if not isinstance(data, dict):
        raise CoverageDataError(f"{path}: expected a mapping of rule id to frameworks")
    result: dict[str, dict[str, dict[str, str]]] = {}
    for rule_id, frameworks in data.items():
        if not isinstance(frameworks, dict) or not all(isinstance(v, dict) for v in frameworks.values()):
            raise CoverageDataError(f"{path}: {rule_id} must map framework to {{control id: note}}")
        result[str(rule_id)] = {
            str(fw): {str(control): str(note or "") for control, note in controls.items()}
            for fw, controls in frameworks.items()
        }
    return result


def load_not_evaluable(path: Path = DATA_DIR / "not_evaluable.yaml") -> dict[str, dict[str, str]]:
    """``{framework: {control id: reason}}``; every entry must give a reason."""
    data = _read_yaml(path) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CoverageDataError(f"{path}: expected {{framework: {{control id: reason}}}}")
    result: dict[str, dict[str, str]] = {}
    for fw, controls in data.items():
        for control, reason in controls.items():
            if not str(reason or "").strip():
                raise CoverageDataError(f"{path}: {fw} {control} has no reason")
        result[str(fw)] = {str(control): str(reason).strip() for control, reason in controls.items()}
    return result


def anchor_control_id(anchor: str) -> str:
    """The control id an anchor names: the text before the first colon (``"DfC DevOps #7: ..."``)."""
    return anchor.split(":", 1)[0].strip()


def compute_coverage(
    rules: Iterable[Rule],
    frameworks: Mapping[str, Framework] | None = None,
    folded: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
    not_evaluable: Mapping[str, Mapping[str, str]] | None = None,
) -> Coverage:
    """The status of every control of ``frameworks`` (default: the shipped ones) given the loaded ``rules``."""
    frameworks = frameworks if frameworks is not None else load_frameworks()
    folded = folded if folded is not None else load_folded()
    not_evaluable = not_evaluable if not_evaluable is not None else load_not_evaluable()
    rules = list(rules)
    rule_ids = {rule.id for rule in rules}
    known = {key: {control.id for control in fw.controls} for key, fw in frameworks.items()}
    warnings: list[str] = []

    anchored: dict[tuple[str, str], list[str]] = {}
    for rule in rules:
        for fw, anchors in rule.anchors.items():
            if fw not in known:
                continue
            for anchor in anchors:
                control_id = anchor_control_id(anchor)
                if control_id not in known[fw]:
                    warnings.append(f"rule {rule.id}: anchor {fw} {anchor!r} is not in coverage/{fw}.yaml")
                    continue
                anchored.setdefault((fw, control_id), []).append(rule.id)

    folds: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for rule_id, by_framework in folded.items():
        if rule_id not in rule_ids:
            warnings.append(f"folded.yaml: rule {rule_id} is not loaded; its entries are not counted")
            continue
        for fw, controls in by_framework.items():
            for control_id, note in controls.items():
                if control_id not in known.get(fw, set()):
                    warnings.append(f"folded.yaml: {rule_id} folds unknown control {fw} {control_id}")
                    continue
                folds.setdefault((fw, control_id), []).append((rule_id, note))

    for fw, controls in not_evaluable.items():
        for control_id in controls:
            if control_id not in known.get(fw, set()):
                warnings.append(f"not_evaluable.yaml: unknown control {fw} {control_id}")
            elif (fw, control_id) in anchored or (fw, control_id) in folds:
                warnings.append(f"not_evaluable.yaml: {fw} {control_id} is covered by a rule; remove the entry")

    items: list[ControlCoverage] = []
    for key, fw in frameworks.items():
        for control in fw.controls:
            ref = (key, control.id)
            anchored_by = tuple(dict.fromkeys(anchored.get(ref, ())))
            folded_by = folds.get(ref, [])
            all_rules = tuple(dict.fromkeys([*anchored_by, *(rule_id for rule_id, _ in folded_by)]))
            if anchored_by:
                items.append(ControlCoverage(control, IMPLEMENTED, all_rules))
            elif folded_by:
                reason = "; ".join(f"{rule_id}: {note}" if note else rule_id for rule_id, note in folded_by)
                items.append(ControlCoverage(control, FOLDED, all_rules, reason))
            elif control.id in not_evaluable.get(key, {}):
                items.append(ControlCoverage(control, NOT_EVALUABLE, (), not_evaluable[key][control.id]))
            else:
                reason = f"needs: {control.data_needed}" if control.data_needed else ""
                items.append(ControlCoverage(control, MISSING, (), reason))
    return Coverage(controls=tuple(items), frameworks=dict(frameworks), warnings=tuple(warnings))


def builtin_coverage() -> Coverage:
    """Coverage by the rules ``resmo-pipeline`` loads (built-in and RESMO_RULES_DIR)."""
    from resmo_pipeline.compliance.loader import load_rules

    return compute_coverage(load_rules().rules)


def write_coverage(conn: Any, coverage: Coverage, now: dt.datetime | None = None) -> int:
    """Replace ``compliance.coverage`` with ``coverage`` (inside the caller's transaction); return the row count.

    ``conn`` is a DuckDB connection to the warehouse. Call it wherever ``compliance.rules`` is written (after
    :func:`resmo_pipeline.compliance.findings.record_rules`), or on demand with ``rules coverage --write``.
    """
    import pandas as pd

    from resmo_pipeline.warehouse.schema import ensure_table

    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ensure_table(conn, "compliance", "coverage", COVERAGE_COLUMNS)
    frame = pd.DataFrame(
        [[*item.as_row().values(), now] for item in coverage.controls], columns=list(COVERAGE_COLUMNS)
    )
    conn.execute("DELETE FROM compliance.coverage")
    if not frame.empty:
        conn.from_df(frame).query(
            "frame",
            "INSERT INTO compliance.coverage BY NAME"
            " SELECT * REPLACE (CAST(rule_ids AS VARCHAR[]) AS rule_ids) FROM frame",
        ).fetchall()
    return len(frame)


def refresh_coverage(database: str | Path) -> int:
    """Store the coverage of the rules loaded now in the warehouse file's ``compliance.coverage``.

    `resmo-pipeline sync` calls it after its runs, so the table follows the rules a user adds or removes.
    """
    from resmo_pipeline.warehouse.access import write_connection

    coverage = builtin_coverage()
    with write_connection(database, publish_after_s=None) as conn:
        return write_coverage(conn, coverage)
