"""The integrations registry: which Azure DevOps organizations are connected, how, and how often they are polled.

One JSON file (``settings.registry_path()``, mode 0600) holds one entry per organization. It never holds a secret:
only non-secret settings and the *name* of the environment variable that holds the secret. Writes go to a temporary
file that replaces the registry atomically, under a lock file, so two processes (a CLI command and the Dagster
schedule, say) never lose each other's changes or read a half-written file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

from resmo_pipeline import settings

AUTH_METHODS: tuple[str, ...] = ("pat", "service-principal", "managed-identity", "device-code")
# Where secrets are read from when an integration names no variable (defined here, with the settings, so the
# CLI's help shows them without loading the credential classes).
DEFAULT_PAT_ENV = "AZURE_DEVOPS_PAT"
DEFAULT_CLIENT_SECRET_ENV = "AZURE_CLIENT_SECRET"
DEFAULT_INTERVAL_S = 3600

# Azure DevOps organization names: letters, digits and hyphens, starting and ending with a letter or digit.
_ORG_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
# A secret must be named, never given: a value that is not a plausible variable name is refused unseen. PATs
# are long runs of letters and digits, which the pattern alone would accept, hence the length rule.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_TOKEN_LIKE_LENGTH = 32
_ENV_FIELDS = ("pat_env", "client_secret_env")


class IntegrationError(Exception):
    """A registry operation that cannot be done, with a message meant for the person at the terminal."""


class UnknownIntegrationError(IntegrationError, KeyError):
    """The organization is not in the registry."""

    def __str__(self) -> str:
        return str(self.args[0])


def normalize_name(name: str) -> str:
    """The registry key (and Dagster partition key) for an organization: its name in lower case."""
    normalized = name.strip().lower()
    if not _ORG_NAME.match(normalized):
        raise IntegrationError(
            f"{name!r} is not a valid Azure DevOps organization name "
            "(letters, digits and hyphens, at most 50 characters)."
        )
    return normalized


def utc_now() -> str:
    """The current time as the ISO-8601 UTC string the registry stores."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Integration:
    """One connected organization and how to reach it — every field safe to show, log or commit.

    ``pat_env`` and ``client_secret_env`` name environment variables; the secret values stay in the environment
    of whichever process syncs. ``base_url`` is only set for the simulator (or a proxy in front of Azure DevOps).
    """

    name: str
    auth: str = "pat"
    base_url: str | None = None
    pat_env: str | None = None
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    certificate_path: str | None = None
    authority_host: str | None = None
    ca_file: str | None = None
    interval_s: int = DEFAULT_INTERVAL_S
    enabled: bool = True
    added_at: str = dataclasses.field(default_factory=utc_now)
    last_sync_at: str | None = None
    last_sync_status: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", normalize_name(self.name))
        if self.auth not in AUTH_METHODS:
            raise IntegrationError(f"Unknown authentication {self.auth!r}; choose one of {', '.join(AUTH_METHODS)}.")
        for field_name in _ENV_FIELDS:
            value = getattr(self, field_name)
            if value is not None and (
                not _ENV_NAME.match(value) or (len(value) >= _TOKEN_LIKE_LENGTH and "_" not in value)
            ):
                raise IntegrationError(
                    f"--{field_name.replace('_', '-')} must be the NAME of an environment variable holding the "
                    "secret (for example AZURE_DEVOPS_PAT), not the secret itself."
                )
        if self.interval_s <= 0:
            raise IntegrationError("The polling interval must be positive.")

    def to_json(self) -> dict[str, Any]:
        """The entry as stored in the registry file."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Integration:
        """An entry read from the registry file; keys written by newer versions are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


class Registry:
    """The connected organizations, stored as JSON at ``path`` (default: ``$RESMO_HOME/integrations.json``)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else settings.registry_path()
        self._lock = FileLock(str(self.path) + ".lock", timeout=30)

    def __repr__(self) -> str:
        return f"Registry({str(self.path)!r})"

    def list(self) -> list[Integration]:
        """Every integration, sorted by organization name."""
        return sorted(self._read().values(), key=lambda integration: integration.name)

    def get(self, name: str) -> Integration:
        """The integration of organization ``name``; UnknownIntegrationError when it is not connected."""
        key = normalize_name(name)
        integrations = self._read()
        if key not in integrations:
            raise self._unknown(key)
        return integrations[key]

    def require_new(self, name: str) -> None:
        """Raise IntegrationError when organization ``name`` is already connected."""
        key = normalize_name(name)
        if key in self._read():
            raise self._exists(key)

    def add(self, integration: Integration) -> Integration:
        """Store a new integration; refuses to overwrite an organization that is already connected."""
        with self._editing() as integrations:
            if integration.name in integrations:
                raise self._exists(integration.name)
            integrations[integration.name] = integration
        return integration

    def update(self, name: str, **changes: Any) -> Integration:
        """Change some settings of an integration (validated like a new one) and return the result."""
        key = normalize_name(name)
        if "name" in changes:
            raise IntegrationError("An integration cannot be renamed; delete it and add the new name.")
        with self._editing() as integrations:
            if key not in integrations:
                raise self._unknown(key)
            integrations[key] = dataclasses.replace(integrations[key], **changes)
            return integrations[key]

    def disable(self, name: str) -> Integration:
        """Pause polling of an organization; its data stays in the warehouse."""
        return self.update(name, enabled=False)

    def enable(self, name: str) -> Integration:
        """Resume polling of an organization."""
        return self.update(name, enabled=True)

    def record_sync(self, name: str, status: str, at: str | None = None) -> Integration:
        """Remember the outcome of a sync ('success' or 'failure') for `integrations list` and the schedule."""
        return self.update(name, last_sync_status=status, last_sync_at=at or utc_now())

    def delete(self, name: str) -> Integration:
        """Forget an organization and return what was stored for it."""
        key = normalize_name(name)
        with self._editing() as integrations:
            if key not in integrations:
                raise self._unknown(key)
            return integrations.pop(key)

    def _exists(self, key: str) -> IntegrationError:
        return IntegrationError(
            f"Organization {key!r} is already connected (see `resmo-pipeline integrations list`); "
            "delete it first to connect it differently."
        )

    def _unknown(self, key: str) -> UnknownIntegrationError:
        return UnknownIntegrationError(
            f"Organization {key!r} is not connected. `resmo-pipeline integrations list` shows the connected "
            "organizations; `resmo-pipeline integrations add` connects one."
        )

    def _read(self) -> dict[str, Integration]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise IntegrationError(f"The registry {self.path} is not valid JSON ({exc}); fix or remove it.") from exc
        return {
            integration.name: integration
            for integration in (Integration.from_json(entry) for entry in data.get("integrations", []))
        }

    @contextmanager
    def _editing(self) -> Iterator[dict[str, Integration]]:
        """Read-modify-write under the lock; the file is replaced only when the edit succeeds."""
        with self._lock:
            integrations = self._read()
            yield integrations
            self._write(integrations)

    def _write(self, integrations: dict[str, Integration]) -> None:
        payload = {"integrations": [integrations[key].to_json() for key in sorted(integrations)]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".integrations-", suffix=".tmp", dir=self.path.parent)
        try:
            # mkstemp creates the file 0600 already; the chmod keeps that true whatever the umask did.
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
