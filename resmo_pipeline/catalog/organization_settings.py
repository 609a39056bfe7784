"""Organization-level pipeline settings and the organization's Entra ID connection, read through internal,
undocumented data providers of the web UI.

There is no documented REST API for either; the data providers may change without notice, so each type checks
the answer's shape (`expect`) before rows are built: an answer that changed makes the type `unavailable`
instead of writing wrong rows. Both are switched off with `RESMO_INTERNAL_APIS=off`.
"""

from __future__ import annotations

from typing import Any

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.azure_devops.errors import redact_url
from resmo_pipeline.catalog.common import dig
from resmo_pipeline.catalog.model import FetchContext, Record, ResourceType, col

AREA = "organization"
PIPELINE_SETTINGS_PROVIDER = "ms.vss-build-web.pipelines-org-settings-data-provider"
AAD_PROVIDER = "ms.vss-admin-web.organization-admin-aad-data-provider"
#: Settings every organization's pipeline settings provider answers with; missing means the answer changed.
CORE_PIPELINE_SETTINGS = ("enforceJobAuthScope", "enforceReferencedRepoScopedToken", "enforceSettableVar")

HIERARCHY_QUERY = Endpoint(
    host="dev.azure.com", path="_apis/Contribution/HierarchyQuery", api_version="5.0-preview.1", items_key=None,
    scope="",
)
ORGANIZATION_AAD = Endpoint(
    host="dev.azure.com", path="_settings/organizationAad", api_version="7.1-preview.1", items_key=None,
    params={"__rt": "fps", "__ver": "2"}, scope="",
)


def expect_pipeline_settings(body: Any) -> str | None:
    """What is wrong with a HierarchyQuery answer for the organization pipeline settings, or None."""
    providers = body.get("dataProviders") if isinstance(body, dict) else None
    if not isinstance(providers, dict):
        return "no dataProviders object"
    settings = providers.get(PIPELINE_SETTINGS_PROVIDER)
    if not isinstance(settings, dict):
        return f"data provider {PIPELINE_SETTINGS_PROVIDER} is missing"
    missing = [name for name in CORE_PIPELINE_SETTINGS if not isinstance(settings.get(name), bool)]
    if missing:
        return f"settings {', '.join(missing)} are missing or not booleans"
    return None


def _pipeline_settings(fc: FetchContext) -> list[Record]:
    """One record per organization pipeline setting (name, value) from the data provider."""
    payload = {
        "contributionIds": [PIPELINE_SETTINGS_PROVIDER],
        "dataProviderContext": {"properties": {"sourcePage": {"routeValues": {"adminPivot": "pipelinessettings"}}}},
    }
    body = fc.client.post(HIERARCHY_QUERY, payload)
    fc.check(body, redact_url(fc.client.url(HIERARCHY_QUERY)))
    settings = body["dataProviders"][PIPELINE_SETTINGS_PROVIDER]
    return [({"name": name, "value": value}, {}) for name, value in settings.items()]


def expect_entra_connection(body: Any) -> str | None:
    """What is wrong with an answer of the organization's Entra ID page, or None."""
    data = dig(body, "fps.dataProviders.data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return "no fps.dataProviders.data object"
    provider = data.get(AAD_PROVIDER)
    if not isinstance(provider, dict):
        return f"data provider {AAD_PROVIDER} is missing"
    if "orgnizationTenantData" not in provider:  # the service's own spelling
        return "orgnizationTenantData is missing"
    tenant = provider["orgnizationTenantData"]
    if tenant is not None and not isinstance(tenant, dict):
        return "orgnizationTenantData is not an object"
    return None


def _tenant(item: dict[str, Any]) -> dict[str, Any]:
    provider = (dig(item, "fps.dataProviders.data") or {}).get(AAD_PROVIDER) or {}
    return provider.get("orgnizationTenantData") or {}


def _entra_connection(item: dict[str, Any]) -> list[dict[str, Any]]:
    tenant = _tenant(item)
    return [{"name": "entra_connection", "tenant": tenant, "isEntraBacked": bool(tenant.get("id"))}]


def _bool_or_none(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


TYPES = (
    ResourceType(
        name="organization_pipeline_settings",
        area=AREA,
        description="Organization-level pipeline settings (job authorization scope, settable variables, "
        "classic pipeline creation, fork protection, ...), one row per setting. Internal, undocumented "
        "data provider: may change without notice (a changed answer makes the type unavailable); switch off "
        "with RESMO_INTERNAL_APIS=off.",
        endpoint=HIERARCHY_QUERY,
        scope="organization",
        key=("name",),
        columns=(
            col("name", "VARCHAR", description="Setting name, e.g. enforceJobAuthScope."),
            col("value", "JSON",
                description="The setting's value as the data provider returns it (usually a boolean)."),
            col("enabled", "BOOLEAN", lambda item, _c: _bool_or_none(item.get("value")),
                "True when the setting is on; NULL when its value is not a boolean."),
        ),
        required_scope="",
        internal=True,
        fetch=_pipeline_settings,
        expect=expect_pipeline_settings,
        audit_actions=("Pipelines.OrganizationSettingsModified",),
    ),
    ResourceType(
        name="organization_entra_connection",
        area=AREA,
        description="The organization's Microsoft Entra ID (Azure AD) connection: the tenant it is backed by, or "
        "none. Without Entra backing there is no audit log and no conditional access. Internal, undocumented "
        "data provider: may change without notice (a changed answer makes the type unavailable); switch off "
        "with RESMO_INTERNAL_APIS=off.",
        endpoint=ORGANIZATION_AAD,
        scope="organization",
        key=("name",),
        columns=(
            col("name", "VARCHAR", description="Always entra_connection (one row per organization)."),
            col("is_entra_backed", "BOOLEAN", "isEntraBacked",
                "True when the organization is connected to an Entra tenant."),
            col("tenant_id", "VARCHAR", "tenant.id", "Id of the Entra tenant the organization is connected to."),
            col("tenant_domain", "VARCHAR", "tenant.domain", "Primary domain of that tenant."),
            col("tenant_display_name", "VARCHAR", "tenant.displayName", "Display name of that tenant."),
        ),
        required_scope="",
        internal=True,
        explode=_entra_connection,
        expect=expect_entra_connection,
        audit_actions=("Organization.",),
    ),
)
