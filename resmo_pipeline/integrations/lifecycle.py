"""Connect, pause, resume and delete organizations — the registry, Dagster's partitions and the warehouse in step.

Adding an organization proves its credential works before anything is stored; deleting one removes every trace
this installation keeps of it (partition, warehouse rows, token cache) and says where to revoke the access in
Azure DevOps, which only the organization's administrators can do.
"""

from __future__ import annotations

from dataclasses import dataclass

from resmo_pipeline import settings
from resmo_pipeline.azure_devops import AzureDevOpsError, Endpoint
from resmo_pipeline.instance import get_instance
from resmo_pipeline.integrations.credentials import Prompt, describe_credential, open_client, token_cache_path
from resmo_pipeline.integrations.registry import Integration, IntegrationError, Registry
from resmo_pipeline.inventory.partitions import ORGANIZATIONS_PARTITION, ensure_organizations
from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.schema import purge_organization

# "Who am I" for an organization: preview-only, so a plain "7.1" would be refused (reference §1).
CONNECTION_DATA = Endpoint(
    host="dev.azure.com", path="_apis/connectionData", api_version="7.1-preview.1", items_key=None
)
# A person waits for the check: give up on an unreachable service after seconds, not the sync's minutes.
CHECK_RETRY_S = 15


class ConnectionCheckError(IntegrationError):
    """The service refused the credential (or could not be reached) when connecting an organization."""


@dataclass(frozen=True)
class Connected:
    """What the service said about the identity an integration signs in as."""

    organization: str
    user: str
    organization_id: str | None


@dataclass(frozen=True)
class DeleteReport:
    """What deleting an organization removed, and where its access must still be revoked by hand."""

    integration: Integration
    rows_purged: int
    token_cache_removed: bool
    revoke_instructions: list[str]


def check_connection(integration: Integration, prompt: Prompt | None = None) -> Connected:
    """Sign in to the organization with the integration's credential; ConnectionCheckError saying why not."""
    what = f"{describe_credential(integration)} for organization {integration.name!r}"
    try:
        with open_client(integration, concurrency=1, prompt=prompt, max_retry_time_s=CHECK_RETRY_S) as client:
            data = client.get(CONNECTION_DATA) or {}
    except AzureDevOpsError as exc:
        raise ConnectionCheckError(f"Could not sign in with {what}: the service said: {exc}") from exc
    except OSError as exc:
        raise ConnectionCheckError(f"Could not reach Azure DevOps with {what}: {exc}") from exc
    user = data.get("authenticatedUser") or {}
    return Connected(
        organization=integration.name,
        user=str(user.get("providerDisplayName") or user.get("id") or "unknown"),
        organization_id=data.get("instanceId"),
    )


def add_integration(
    integration: Integration, registry: Registry | None = None, prompt: Prompt | None = None
) -> Connected:
    """Connect an organization: check the credential, store the settings, create its Dagster partition."""
    registry = registry or Registry()
    registry.require_new(integration.name)
    connected = check_connection(integration, prompt)
    registry.add(integration)
    try:
        with get_instance() as instance:
            ensure_organizations(instance, [integration.name])
    except BaseException:
        registry.delete(integration.name)
        raise
    return connected


def set_enabled(name: str, enabled: bool, registry: Registry | None = None) -> Integration:
    """Resume (True) or pause (False) polling; paused organizations keep their partition and data."""
    registry = registry or Registry()
    return registry.enable(name) if enabled else registry.disable(name)


def revoke_instructions(integration: Integration) -> list[str]:
    """Where, in Azure DevOps and Entra ID, the access this integration used can be revoked."""
    org = integration.name
    users_page = f"https://dev.azure.com/{org}/_settings/users"
    if integration.auth == "pat":
        return [f"Revoke the personal access token at https://dev.azure.com/{org}/_usersSettings/tokens"]
    if integration.auth == "service-principal":
        return [
            f"Remove the service principal {integration.client_id} from the organization: "
            f"Organization settings → Users ({users_page})",
            f"Delete its client secret or certificate in the Entra ID app registration "
            f"(portal.azure.com → Microsoft Entra ID → App registrations → {integration.client_id} → "
            "Certificates & secrets)",
        ]
    if integration.auth == "managed-identity":
        return [f"Remove the managed identity from the organization: Organization settings → Users ({users_page})"]
    return [
        "Sign-in tokens of the device-code flow were removed from this machine; to revoke the sign-in itself, "
        "revoke the app's sessions for that user in Entra ID (My Account → Organizations / Sign-ins) "
        f"or remove the user from the organization ({users_page})"
    ]


def delete_integration(name: str, registry: Registry | None = None) -> DeleteReport:
    """Forget an organization: warehouse rows (every table), partition, token cache and registry entry.

    The rows go first: it is the step that can fail (a sync holding the warehouse), and then nothing else changed.
    """
    registry = registry or Registry()
    integration = registry.get(name)
    rows_purged = 0
    if settings.warehouse_path().exists():
        with write_connection(settings.warehouse_path()) as conn:
            rows_purged = sum(purge_organization(conn, integration.name).values())
    with get_instance() as instance:
        if instance.has_dynamic_partition(ORGANIZATIONS_PARTITION, integration.name):
            instance.delete_dynamic_partition(ORGANIZATIONS_PARTITION, integration.name)
    cache = token_cache_path(integration.name)
    cache_existed = cache.exists()
    cache.unlink(missing_ok=True)
    registry.delete(integration.name)
    return DeleteReport(integration, rows_purged, cache_existed, revoke_instructions(integration))
