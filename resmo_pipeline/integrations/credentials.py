"""Turn an integration's stored settings into a working credential and client.

Secrets are read from the environment variables the integration names, at the moment a client is opened — so a
rotated PAT takes effect on the next sync, and the registry never holds a secret value.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from resmo_pipeline import settings
from resmo_pipeline.azure_devops import (
    AzureDevOpsClient,
    DeviceCodeCredential,
    ManagedIdentityCredential,
    PatCredential,
    ServicePrincipalCredential,
)
from resmo_pipeline.integrations.registry import (
    DEFAULT_CLIENT_SECRET_ENV,
    DEFAULT_PAT_ENV,
    Integration,
    IntegrationError,
)

Prompt = Callable[[str], None]


class MissingSecretError(IntegrationError):
    """The environment variable an integration names for its secret is not set in this process."""


def secret_from_env(variable: str, organization: str) -> str:
    """The value of ``variable``; a clear error naming the variable (never a value) when it is unset or empty."""
    value = os.environ.get(variable)
    if not value:
        raise MissingSecretError(
            f"Environment variable {variable} is not set; organization {organization!r} reads its secret from "
            f"it. Set it in the environment of this process (and of `dagster dev`) and try again."
        )
    return value


def token_cache_path(organization: str) -> Path:
    """Where the MSAL token cache of an organization's device-code sign-in lives (mode 0600)."""
    return settings.token_cache_dir() / f"{organization}.json"


def describe_credential(integration: Integration) -> str:
    """Which credential an integration uses, in words safe to print (names of variables and ids, no secrets)."""
    auth = integration.auth
    if auth == "pat":
        return f"the PAT in ${integration.pat_env or DEFAULT_PAT_ENV}"
    if auth == "service-principal":
        how = (
            f"certificate {integration.certificate_path}"
            if integration.certificate_path
            else f"client secret in ${integration.client_secret_env or DEFAULT_CLIENT_SECRET_ENV}"
        )
        return f"service principal {integration.client_id} of tenant {integration.tenant_id} ({how})"
    if auth == "managed-identity":
        which = f"user-assigned {integration.client_id}" if integration.client_id else "system-assigned"
        return f"the {which} managed identity"
    return f"the device-code sign-in cached in {token_cache_path(integration.name)}"


def _authority_options(integration: Integration) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if integration.authority_host:
        options["authority_host"] = integration.authority_host
    if integration.ca_file:
        options["ca_file"] = integration.ca_file
    return options


def _pat(integration: Integration, _prompt: Prompt | None, _cache_path: Path | None) -> Any:
    return PatCredential(secret_from_env(integration.pat_env or DEFAULT_PAT_ENV, integration.name))


def _service_principal(integration: Integration, _prompt: Prompt | None, _cache_path: Path | None) -> Any:
    if not integration.tenant_id or not integration.client_id:
        raise IntegrationError(
            f"Organization {integration.name!r}: a service principal needs --tenant-id and --client-id."
        )
    if integration.certificate_path:
        secret: dict[str, str] = {"certificate_path": integration.certificate_path}
    else:
        variable = integration.client_secret_env or DEFAULT_CLIENT_SECRET_ENV
        secret = {"client_secret": secret_from_env(variable, integration.name)}
    return ServicePrincipalCredential(
        tenant_id=integration.tenant_id,
        client_id=integration.client_id,
        **secret,
        **_authority_options(integration),
    )


def _managed_identity(integration: Integration, _prompt: Prompt | None, _cache_path: Path | None) -> Any:
    return ManagedIdentityCredential(
        client_id=integration.client_id, **({"ca_file": integration.ca_file} if integration.ca_file else {})
    )


def _device_code(integration: Integration, prompt: Prompt | None, cache_path: Path | None) -> Any:
    if not integration.client_id:
        raise IntegrationError(
            f"Organization {integration.name!r}: device-code sign-in needs --client-id (a public client app "
            "registration with the Azure DevOps user_impersonation permission)."
        )
    return DeviceCodeCredential(
        client_id=integration.client_id,
        tenant_id=integration.tenant_id or "organizations",
        cache_path=cache_path or token_cache_path(integration.name),
        **({"prompt": prompt} if prompt else {}),
        **_authority_options(integration),
    )


_BUILDERS: dict[str, Callable[[Integration, Prompt | None, Path | None], Any]] = {
    "pat": _pat,
    "service-principal": _service_principal,
    "managed-identity": _managed_identity,
    "device-code": _device_code,
}


def build_credential(
    integration: Integration, prompt: Prompt | None = None, cache_path: Path | None = None
) -> Any:
    """The credential object for an integration, with its secret read from the environment now.

    ``prompt`` receives the device-code message ("go to ... and enter code ...") for ``device-code`` sign-in,
    whose tokens are cached in ``cache_path`` (default: the organization's file under the token cache folder).
    """
    return _BUILDERS[integration.auth](integration, prompt, cache_path)


def open_client(
    integration: Integration, concurrency: int = 16, prompt: Prompt | None = None, **client_options: Any
) -> AzureDevOpsClient:
    """An Azure DevOps client for the integration's organization (close it, or use it as a context manager).

    ``client_options`` go to AzureDevOpsClient (e.g. ``max_retry_time_s`` for a quick connection check).
    """
    return AzureDevOpsClient(
        integration.name,
        build_credential(integration, prompt),
        base_url=integration.base_url,
        concurrency=concurrency,
        **client_options,
    )
