"""Organization policies, read through an internal, undocumented endpoint.

Azure DevOps has no documented API to read organization policies (OAuth app access, SSH, public projects,
guest access, ...). The web UI's data provider is the only source; it may change without notice, so this
module is isolated and switched off with `RESMO_INTERNAL_APIS=off`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.catalog.common import dig
from resmo_pipeline.catalog.model import ResourceType, col

AREA = "organization"
INTERNAL_APIS_ENV = "RESMO_INTERNAL_APIS"
DATA_PROVIDER = "ms.vss-admin-web.organization-policies-data-provider"

ORGANIZATION_POLICIES = Endpoint(
    host="dev.azure.com", path="_settings/organizationPolicy", api_version="7.1-preview.1", items_key=None,
    params={"__rt": "fps", "__ver": "2"}, scope="",
)


def internal_apis_enabled() -> bool:
    """Whether types read through internal endpoints are collected (`RESMO_INTERNAL_APIS=off` disables)."""
    return os.environ.get(INTERNAL_APIS_ENV, "on").strip().lower() not in {"off", "0", "false", "no"}


def _policies(body: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """One item per policy from the data provider's groups (applicationConnection, security, user, ...)."""
    provider = (dig(body, "fps.dataProviders.data") or {}).get(DATA_PROVIDER) or {}
    groups = provider.get("policies") or {}
    for category, entries in groups.items():
        for entry in entries or []:
            yield {"category": category, **entry}


def expect_policies(body: Any) -> str | None:
    """What is wrong with an answer of the organization-policy page, or None when it has the expected shape."""
    data = dig(body, "fps.dataProviders.data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return "no fps.dataProviders.data object"
    provider = data.get(DATA_PROVIDER)
    if not isinstance(provider, dict):
        return f"data provider {DATA_PROVIDER} is missing"
    groups = provider.get("policies")
    if not isinstance(groups, dict) or not all(isinstance(entries, list) for entries in groups.values()):
        return "`policies` is not an object of policy lists"
    for entries in groups.values():
        for entry in entries:
            if not isinstance(entry, dict) or not dig(entry, "policy.name"):
                return "a policy entry has no policy.name"
    return None


def _bool_or_none(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None


TYPES = (
    ResourceType(
        name="organization_policies",
        area=AREA,
        description="Organization policies (third-party OAuth access, SSH, public projects, external guest "
        "access, conditional access validation, request access, audit logging, ...). Internal, undocumented "
        "endpoint: may change without notice; switch off with RESMO_INTERNAL_APIS=off. Several Disallow* "
        "policies are shown inverted in the web UI: the stored value is reported here.",
        endpoint=ORGANIZATION_POLICIES,
        scope="organization",
        key=("name",),
        columns=(
            col("name", "VARCHAR", "policy.name", "Policy name, e.g. Policy.DisallowOAuthAuthentication."),
            col("category", "VARCHAR",
                description="Settings page group: applicationConnection, security, user or privacy."),
            col("value", "JSON", "policy.value", "The policy's own value as set in the organization (policy.value)."),
            col("effective_value", "JSON", "policy.effectiveValue",
                "The value in effect (policy.effectiveValue)."),
            col("effective_enabled", "BOOLEAN", lambda item, _c: _bool_or_none(dig(item, "policy.effectiveValue")),
                "True when the effective value is true (Disallow* names read inverted); NULL if not boolean."),
            col("is_value_undefined", "BOOLEAN", "policy.isValueUndefined",
                "True when the policy was never set (the default applies)."),
            col("parent_policy_name", "VARCHAR", "policy.parentPolicy.name",
                "Policy that governs this one, when there is one (policy.parentPolicy.name)."),
            col("parent_effective_value", "JSON", "policy.parentPolicy.effectiveValue",
                "Effective value of that parent policy."),
            col("description", "VARCHAR", description="The policy's text on the organization settings page."),
            col("learn_more_link", "VARCHAR", description="Documentation link for the policy."),
        ),
        required_scope="",
        internal=True,
        explode=_policies,
        expect=expect_policies,
        audit_actions=("OrganizationPolicy.",),
    ),
)
