"""The inventory's Dagster resource: the Azure DevOps connection and the run's background reads.

The warehouse resource it reads parents and resume points through is `warehouse.resource.WarehouseResource`.

It holds no credential. Which organizations exist and how to authenticate to them is the integrations
registry (non-secret settings plus the *name* of the environment variable holding the secret); the secret is read
from the environment when a client is opened, so it never appears in run config, logs or event records.
"""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from resmo_pipeline import settings
from resmo_pipeline.azure_devops import AzureDevOpsClient
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.integrations.credentials import build_credential
from resmo_pipeline.integrations.registry import Integration, Registry
from resmo_pipeline.inventory import scope as refresh_scope
from resmo_pipeline.inventory.session import RunCollection, incremental_column
from resmo_pipeline.warehouse.resource import WarehouseResource


class AzureDevOpsResource(dg.ConfigurableResource):
    """Opens API clients for registered organizations (credentials from their environment variables).

    Within a run one client per organization is shared by every step (the in-process executor keeps them in one
    process), so connections and tokens are reused; they are closed when the run ends.
    """

    registry_path: str | None = None  # default: settings.registry_path() under RESMO_HOME
    concurrency: int = 16  # parallel requests per client while fanning out over projects, repositories, ...
    timeout_s: float = 30.0  # per request
    retry_budget_s: float = 120.0  # how long the client keeps retrying throttling and 5xx before giving up
    # A sensor tick must finish well inside Dagster's 60 s evaluation limit even when a service is down.
    light_timeout_s: float = 10.0
    light_retry_budget_s: float = 15.0
    # Read the run's types in the background, this many at a time, while earlier ones are written.
    read_ahead: bool = True
    parallel_types: int = 4

    _clients: dict[str, AzureDevOpsClient] = PrivateAttr(default_factory=dict)
    _collections: dict[tuple[str, str], RunCollection] = PrivateAttr(default_factory=dict)

    def _registry(self) -> Registry:
        return Registry(self.registry_path or settings.registry_path())

    def integration(self, organization: str) -> Integration:
        """The registered settings of one organization (raises the registry's clear error when unknown)."""
        return self._registry().get(organization)

    def enabled_integrations(self) -> list[Integration]:
        """Every registered organization that is not paused."""
        return [integration for integration in self._registry().list() if integration.enabled]

    def client(self, organization: str) -> AzureDevOpsClient:
        """The run's client for ``organization`` (opened on first use, closed at the end of the run)."""
        if organization not in self._clients:
            self._clients[organization] = self._open(
                organization, self.concurrency, self.timeout_s, self.retry_budget_s
            )
        return self._clients[organization]

    def open_light_client(self, organization: str) -> AzureDevOpsClient:
        """A short-lived client with tight timeouts, for sensor polls; the caller closes it."""
        return self._open(organization, 2, self.light_timeout_s, self.light_retry_budget_s)

    def _open(
        self, organization: str, concurrency: int, timeout_s: float, retry_budget_s: float
    ) -> AzureDevOpsClient:
        integration = self.integration(organization)
        return AzureDevOpsClient(
            integration.name,
            build_credential(integration),
            base_url=integration.base_url,
            concurrency=concurrency,
            timeout_s=timeout_s,
            max_retry_time_s=retry_budget_s,
        )

    def run_collection(
        self, context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> RunCollection:
        """The background reads of this run for the step's organization (started by the first step)."""
        organization = context.partition_key
        key = (context.run.run_id, organization)
        if key not in self._collections:
            selection = context.dagster_run.asset_selection
            types = (
                [key.path[-1] for key in selection if key.path[0] == "azure_devops"]
                if selection
                else list(RESOURCE_TYPES)
            )
            types = [name for name in types if name in RESOURCE_TYPES]
            since = {
                name: warehouse.newest(name, column, organization)
                for name in types
                if (column := incremental_column(RESOURCE_TYPES[name]))
            }
            scopes = refresh_scope.decode(context.dagster_run.tags.get(refresh_scope.SCOPE_TAG))
            self._collections[key] = RunCollection(
                self.client(organization),
                types if self.read_ahead else [],
                lambda name: warehouse.organization_rows(name, organization),
                since,
                self.parallel_types,
                scopes={name: selectors for name, selectors in scopes.items() if name in types},
            )
        return self._collections[key]

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        for collection in self._collections.values():
            collection.close()
        self._collections.clear()
        for client in self._clients.values():
            client.close()
        self._clients.clear()
