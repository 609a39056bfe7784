"""Installed Marketplace extensions: who published them, what they may access, what they inject."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.catalog.common import dig
from resmo_pipeline.catalog.model import ResourceType, col

AREA = "extensions"

INSTALLED_EXTENSIONS = Endpoint(
    host="extmgmt.dev.azure.com", path="_apis/extensionmanagement/installedextensions",
    api_version="7.1-preview.1",
    params={"includeDisabledExtensions": "true", "includeErrors": "true", "includeInstallationIssues": "true"},
    scope="vso.extension",
)

PIPELINE_DECORATOR = "ms.azure-pipelines.pipeline-decorator"


def _flagged(path: str, flag: str):
    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool:
        return flag in str(dig(item, path) or "").replace(" ", "").split(",")

    return extract


def _contribution_types(item: Mapping[str, Any], _context: Mapping[str, Any]) -> list[Any]:
    return sorted({c.get("type") for c in item.get("contributions") or [] if c.get("type")})


TYPES = (
    ResourceType(
        name="extensions",
        area=AREA,
        description="Installed extensions with publisher, version, OAuth scopes they hold, when they were last "
        "published, and whether they inject pipeline decorators into every pipeline.",
        endpoint=INSTALLED_EXTENSIONS,
        scope="organization",
        key=("publisher_id", "extension_id"),
        columns=(
            col("publisher_id", "VARCHAR", description="Publisher id on the Marketplace, e.g. ms."),
            col("extension_id", "VARCHAR", description="Extension id within the publisher."),
            col("extension_name", "VARCHAR", description="Extension name."),
            col("publisher_name", "VARCHAR", description="Publisher name as shown on the Marketplace."),
            col("version", "VARCHAR", description="Installed version."),
            col("flags", "VARCHAR", description="Extension flags, e.g. builtIn, trusted."),
            col("install_state_flags", "VARCHAR", "installState.flags",
                "Install state flags, e.g. none, disabled, needsReauthorization."),
            col("is_built_in", "BOOLEAN", _flagged("flags", "builtIn"),
                "True for extensions built into Azure DevOps (flag builtIn)."),
            col("is_disabled", "BOOLEAN", _flagged("installState.flags", "disabled"),
                "True when the extension is installed but disabled."),
            col("last_published", "TIMESTAMP",
                description="When the extension was last published on the Marketplace (UTC)."),
            col("last_updated", "TIMESTAMP", "installState.lastUpdated",
                "When the installation last changed (UTC; installState.lastUpdated)."),
            col("scopes", "JSON", description="OAuth scopes the extension was granted, e.g. vso.code_write."),
            col("contribution_types", "JSON", _contribution_types,
                "Kinds of contributions the extension adds, e.g. pipeline decorators, build tasks."),
            col("has_pipeline_decorator", "BOOLEAN",
                lambda item, c: PIPELINE_DECORATOR in _contribution_types(item, c),
                "True when the extension injects steps into every pipeline run."),
        ),
        required_scope="vso.extension",
        audit_actions=("Extension.",),
    ),
)
