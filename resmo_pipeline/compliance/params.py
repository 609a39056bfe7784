"""Rule parameters per organization: thresholds, broad-group names, production patterns, allow-lists.

Each rule declares its parameters with defaults in its front matter. A YAML file (env ``RESMO_RULES_CONFIG``,
else ``$RESMO_HOME/rules.yaml``; optional) overrides them for every organization and per organization::

    defaults:                      # all organizations
      users.inactive:
        inactive_days: 60
    organizations:
      contoso:                     # just this one (lower-case organization name)
        admins.count_bounds:
          max_admins: 8

Unknown rules or parameter names are reported as errors naming the file, so a typo never silently does nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from resmo_pipeline import settings
from resmo_pipeline.compliance.model import Rule

RULES_CONFIG_ENV = "RESMO_RULES_CONFIG"

Overrides = Mapping[str, Mapping[str, Any]]


class ParameterConfigError(ValueError):
    """The rules configuration file is invalid; the message names the file, the problem and the fix."""


def default_config_path() -> Path:
    """Where the parameter overrides are read from: ``RESMO_RULES_CONFIG`` or ``$RESMO_HOME/rules.yaml``."""
    configured = os.environ.get(RULES_CONFIG_ENV)
    return Path(configured).expanduser() if configured else settings.resmo_home() / "rules.yaml"


@dataclass(frozen=True)
class ParameterConfig:
    """Parameter overrides: for all organizations (``defaults``) and per organization."""

    defaults: Overrides = field(default_factory=dict)
    organizations: Mapping[str, Overrides] = field(default_factory=dict)
    path: Path | None = None

    def for_rule(self, rule: Rule, organization: str) -> dict[str, Any]:
        """The parameter values the rule runs with for that organization (rule defaults, then overrides)."""
        values = dict(rule.params)
        values.update(self.defaults.get(rule.id, {}))
        values.update(self.organizations.get(organization.lower(), {}).get(rule.id, {}))
        return values

    def validate(self, rules: Iterable[Rule], *, all_rules: bool = True) -> None:
        """Raise ParameterConfigError if an override names an unknown parameter of one of ``rules``, or (when
        ``rules`` are all the loaded rules) an unknown rule."""
        by_id = {rule.id: rule for rule in rules}
        scopes: list[tuple[str, Overrides]] = [("defaults", self.defaults)]
        scopes += [(f"organizations.{org}", overrides) for org, overrides in self.organizations.items()]
        for scope, overrides in scopes:
            for rule_id, values in overrides.items():
                if rule_id not in by_id and not all_rules:
                    continue
                if rule_id not in by_id:
                    raise ParameterConfigError(
                        f"{self.path}: {scope} names unknown rule {rule_id!r}; see `resmo-pipeline rules list`"
                    )
                unknown = sorted(set(values) - set(by_id[rule_id].params))
                if unknown:
                    known = ", ".join(sorted(by_id[rule_id].params)) or "none"
                    raise ParameterConfigError(
                        f"{self.path}: {scope}.{rule_id} sets unknown parameters {', '.join(unknown)}"
                        f" (the rule's parameters: {known})"
                    )


def _mapping(value: Any, where: str, path: Path) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParameterConfigError(f"{path}: {where} must be a mapping")
    return value


def load_parameters(path: str | Path | None = None) -> ParameterConfig:
    """Read the overrides file; a missing file means "rule defaults everywhere"."""
    config_path = Path(path) if path is not None else default_config_path()
    if not config_path.exists():
        return ParameterConfig(path=config_path)
    try:
        document = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterConfigError(f"{config_path}: not valid YAML: {exc}") from exc
    document = _mapping(document, "the document", config_path)
    unknown = sorted(set(document) - {"defaults", "organizations"})
    if unknown:
        raise ParameterConfigError(
            f"{config_path}: unknown top-level keys {', '.join(unknown)} (use `defaults` and `organizations`)"
        )

    def overrides(value: Any, where: str) -> dict[str, dict[str, Any]]:
        return {
            str(rule_id): _mapping(values, f"{where}.{rule_id}", config_path)
            for rule_id, values in _mapping(value, where, config_path).items()
        }

    organizations = {
        str(org).lower(): overrides(values, f"organizations.{org}")
        for org, values in _mapping(document.get("organizations"), "organizations", config_path).items()
    }
    return ParameterConfig(
        defaults=overrides(document.get("defaults"), "defaults"),
        organizations=organizations,
        path=config_path,
    )
