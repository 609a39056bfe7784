"""Where each Azure DevOps API lives: host names and URL building.

Azure DevOps spreads its REST API over several hosts (reference §1). All but the profile/accounts host carry
the organization as the first path segment. With a `base_url` (the simulator, or a test double), the URL
`https://{host}/{path}` is requested as `{base_url}/{host}/{path}` instead.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

DEV = "dev.azure.com"
VSSPS = "vssps.dev.azure.com"
VSAEX = "vsaex.dev.azure.com"
VSRM = "vsrm.dev.azure.com"
AUDIT = "auditservice.dev.azure.com"
FEEDS = "feeds.dev.azure.com"
EXTMGMT = "extmgmt.dev.azure.com"
ADVSEC = "advsec.dev.azure.com"
APP_VSSPS = "app.vssps.visualstudio.com"

KNOWN_HOSTS: tuple[str, ...] = (DEV, VSSPS, VSAEX, VSRM, AUDIT, FEEDS, EXTMGMT, ADVSEC, APP_VSSPS)
HOSTS_WITHOUT_ORGANIZATION: frozenset[str] = frozenset({APP_VSSPS})

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Paging(enum.Enum):
    """How an endpoint hands out a long listing."""

    NONE = "none"  # single response
    HEADER_TOKEN = "header_token"  # x-ms-continuationtoken header -> continuationToken=
    BODY_TOKEN = "body_token"  # body "continuationToken" -> continuationToken= (audit: also hasMore)
    TOP_SKIP = "top_skip"  # $top/$skip until a short page
    ID_CURSOR = "id_cursor"  # variable groups: $top + continuationToken=<last id + 1>, queryOrder=IdAscending


@dataclass(frozen=True)
class Endpoint:
    """One REST operation: where it lives, which api-version it needs, how it pages and what it needs.

    `path` follows `{host}/{organization}/` (or the host alone for app.vssps.visualstudio.com) and may hold
    `{placeholders}` filled from `path_params`. `items_key` is the envelope key holding the items (None: the
    body is one object). `scope` is the PAT scope the call needs; it is named when the service answers 403.
    """

    host: str
    path: str
    api_version: str
    paging: Paging = Paging.NONE
    items_key: str | None = "value"
    params: Mapping[str, str] = field(default_factory=dict)
    page_size: int | None = None
    page_size_param: str = "$top"
    scope: str = ""

    def __hash__(self) -> int:
        return hash((self.host, self.path, self.api_version, self.paging, self.items_key,
                     tuple(sorted(self.params.items())), self.page_size, self.page_size_param, self.scope))


def fill_path(path: str, path_params: Mapping[str, object] | None = None) -> str:
    """The path with every `{name}` replaced by its URL-encoded value (project names may contain spaces)."""
    values = path_params or {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"missing path parameter {name!r} for {path!r}")
        return quote(str(values[name]), safe="")

    return _PLACEHOLDER.sub(substitute, path.lstrip("/"))


def host_root(host: str, organization: str, base_url: str | None = None) -> str:
    """The URL prefix of one host for one organization, e.g. `https://vssps.dev.azure.com/contoso`."""
    root = f"{base_url.rstrip('/')}/{host}" if base_url else f"https://{host}"
    if host in HOSTS_WITHOUT_ORGANIZATION:
        return root
    return f"{root}/{quote(organization, safe='')}"


def build_url(
    host: str,
    organization: str,
    path: str,
    path_params: Mapping[str, object] | None = None,
    base_url: str | None = None,
) -> str:
    """The full URL of an endpoint path (without query string) on `host` for `organization`."""
    return f"{host_root(host, organization, base_url)}/{fill_path(path, path_params)}"
