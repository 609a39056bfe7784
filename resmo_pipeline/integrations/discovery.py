"""Find the Azure DevOps organizations a person belongs to, so they can be connected in one go.

Uses the profile ("who am I") and accounts ("organizations of member X") APIs on app.vssps.visualstudio.com. They
answer only to a credential that is not bound to one organization: a device-code sign-in, or a PAT created for
"All accessible organizations" (an organization-scoped PAT gets 401 there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resmo_pipeline.azure_devops import AuthenticationError, AzureDevOpsClient, AzureDevOpsError, Endpoint
from resmo_pipeline.integrations.registry import IntegrationError

PROFILE_ME = Endpoint(
    host="app.vssps.visualstudio.com",
    path="_apis/profile/profiles/me",
    api_version="7.1-preview.3",
    items_key=None,
    scope="vso.profile",
)
ACCOUNTS = Endpoint(
    host="app.vssps.visualstudio.com", path="_apis/accounts", api_version="7.1-preview.1", scope="vso.profile"
)


class DiscoveryError(IntegrationError):
    """The profile or accounts API refused the credential, explained for the person at the terminal."""


@dataclass(frozen=True)
class DiscoveredOrganization:
    """An organization the signed-in person is a member of."""

    name: str
    account_id: str
    url: str | None
    owner: str | None
    status: str | None

    @classmethod
    def from_account(cls, account: dict[str, Any]) -> DiscoveredOrganization:
        """Read one entry of the accounts API."""
        return cls(
            name=str(account.get("accountName") or account.get("organizationName") or ""),
            account_id=str(account.get("accountId") or ""),
            url=account.get("accountUri"),
            owner=account.get("accountOwner"),
            status=account.get("accountStatus"),
        )


def discover_organizations(credential: Any, base_url: str | None = None) -> list[DiscoveredOrganization]:
    """The organizations the credential's person is a member of, sorted by name."""
    # Profile and accounts live on a host without an organization segment; the client still wants a name.
    with AzureDevOpsClient("", credential, base_url=base_url, concurrency=1) as client:
        try:
            profile = client.get(PROFILE_ME)
            member_id = profile.get("id") or profile.get("publicAlias")
            accounts = client.list(ACCOUNTS, params={"memberId": str(member_id)})
        except AzureDevOpsError as exc:
            hint = (
                " A PAT must be created for 'All accessible organizations' to list organizations."
                if isinstance(exc, AuthenticationError)
                else ""
            )
            raise DiscoveryError(f"Could not list your organizations: the service said: {exc}.{hint}") from exc
    found = [DiscoveredOrganization.from_account(account) for account in accounts]
    return sorted((org for org in found if org.name), key=lambda org: org.name.lower())
