"""Azure DevOps REST client: hosts, authentication, paging, retries, rate limits, typed errors, accounting.

No Dagster here: the inventory, the CLI and the benchmarks all use the same client.
"""

from resmo_pipeline.azure_devops.accounting import ClientStats, TotalsMismatch
from resmo_pipeline.azure_devops.auth import (
    AZURE_DEVOPS_SCOPE,
    Credential,
    DeviceCodeCredential,
    ManagedIdentityCredential,
    PatCredential,
    ServicePrincipalCredential,
)
from resmo_pipeline.azure_devops.client import AzureDevOpsClient
from resmo_pipeline.azure_devops.errors import (
    AuthenticationError,
    AzureDevOpsError,
    BadRequestError,
    NotFoundError,
    PagingError,
    PermissionDeniedError,
    RetryBudgetExceededError,
    ServerError,
    ThrottledError,
    UnavailableError,
)
from resmo_pipeline.azure_devops.hosts import Endpoint, Paging

__all__ = [
    "AZURE_DEVOPS_SCOPE",
    "AuthenticationError",
    "AzureDevOpsClient",
    "AzureDevOpsError",
    "BadRequestError",
    "ClientStats",
    "Credential",
    "DeviceCodeCredential",
    "Endpoint",
    "ManagedIdentityCredential",
    "NotFoundError",
    "Paging",
    "PagingError",
    "PatCredential",
    "PermissionDeniedError",
    "RetryBudgetExceededError",
    "ServerError",
    "ServicePrincipalCredential",
    "ThrottledError",
    "TotalsMismatch",
    "UnavailableError",
]
