"""Suppressions as code: accepted risks, reviewed in git, each with a reason, an owner and an expiry.

The file (env ``RESMO_SUPPRESSIONS``, else ``$RESMO_HOME/suppressions.yaml``; optional) holds a list::

    suppressions:
      - rule: sc.all_pipelines_access     # rule id, or a glob such as "sc.*"
        organization: contoso             # optional; glob, default every organization
        resource: "shared-*"              # glob on the resource name or id, default every resource
        reason: Shared read-only connection used by every pipeline by design
        owner: platform-team@contoso.com
        expires: 2026-12-31               # optional; the day after, the finding reopens

A suppressed finding stays visible in ``compliance.findings`` (status ``suppressed`` with reason, owner and
expiry) and does not count as a failure. Matching happens in SQL (see evaluate.py) so it is reproducible.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from resmo_pipeline import settings

SUPPRESSIONS_ENV = "RESMO_SUPPRESSIONS"
_KEYS = ("rule", "organization", "resource", "reason", "owner", "expires")


class SuppressionFileError(ValueError):
    """The suppressions file is invalid; the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Suppression:
    """One accepted risk: which findings it covers, why, who owns it and until when."""

    rule: str
    reason: str
    owner: str
    organization: str = "*"
    resource: str = "*"
    expires: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        """Whether the suppression still applies on that day (it covers its expiry day itself)."""
        return self.expires is None or day <= self.expires


def default_suppressions_path() -> Path:
    """Where suppressions are read from: ``RESMO_SUPPRESSIONS`` or ``$RESMO_HOME/suppressions.yaml``."""
    configured = os.environ.get(SUPPRESSIONS_ENV)
    return Path(configured).expanduser() if configured else settings.resmo_home() / "suppressions.yaml"


def _entry(item: Any, index: int, path: Path) -> Suppression:
    where = f"{path}: suppression #{index + 1}"
    if not isinstance(item, dict):
        raise SuppressionFileError(f"{where} is not a mapping (write `- rule: ...` with reason and owner)")
    unknown = sorted(set(item) - set(_KEYS))
    if unknown:
        raise SuppressionFileError(f"{where} has unknown keys {', '.join(unknown)} (allowed: {', '.join(_KEYS)})")
    missing = [key for key in ("rule", "reason", "owner") if not item.get(key)]
    if missing:
        raise SuppressionFileError(
            f"{where} lacks {', '.join(missing)}: every suppression needs a rule, reason and owner"
        )
    expires = item.get("expires")
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    elif isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise SuppressionFileError(f"{where}: expires {expires!r} is not a date (write YYYY-MM-DD)") from None
    elif expires is not None and not isinstance(expires, dt.date):
        raise SuppressionFileError(f"{where}: expires must be a date (YYYY-MM-DD)")
    return Suppression(
        rule=str(item["rule"]),
        reason=str(item["reason"]).strip(),
        owner=str(item["owner"]).strip(),
        organization=str(item.get("organization") or "*").lower(),
        resource=str(item.get("resource") or "*"),
        expires=expires,
    )


def load_suppressions(path: str | Path | None = None) -> tuple[Suppression, ...]:
    """Read the suppressions file; a missing file means no suppressions."""
    file_path = Path(path) if path is not None else default_suppressions_path()
    if not file_path.exists():
        return ()
    try:
        document = yaml.safe_load(file_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SuppressionFileError(f"{file_path}: not valid YAML: {exc}") from exc
    if document is None:
        return ()
    items = document.get("suppressions") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise SuppressionFileError(f"{file_path}: expected a list under `suppressions:`")
    return tuple(_entry(item, index, file_path) for index, item in enumerate(items))
