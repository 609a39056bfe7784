"""The pipeline library: service connections, variable groups and secure files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resmo_pipeline.azure_devops import Endpoint, Paging
from resmo_pipeline.catalog.common import (
    PER_PROJECT,
    audited_id,
    count_of,
    dig,
    identity_name,
    secret_variable_count,
)
from resmo_pipeline.catalog.model import AuditScope, FanOut, ResourceType, col, ctx

AREA = "library"

SERVICE_ENDPOINTS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/serviceendpoint/endpoints", api_version="7.1",
    params={"includeFailed": "true"}, scope="vso.serviceendpoint",
)
VARIABLE_GROUPS = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/variablegroups", api_version="7.1",
    paging=Paging.ID_CURSOR, page_size=500, scope="vso.variablegroups_read",
)
ENDPOINT_EXECUTION_HISTORY = Endpoint(
    host="dev.azure.com", path="{project}/_apis/serviceendpoint/{endpointId}/executionhistory",
    api_version="7.1", params={"top": "1"}, scope="vso.serviceendpoint",
)
SECURE_FILES = Endpoint(
    host="dev.azure.com", path="{project}/_apis/distributedtask/securefiles", api_version="7.1-preview.1",
    scope="vso.securefiles_read",
)


def _referenced_project_ids(key: str):
    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> list[Any]:
        return [dig(ref, "projectReference.id") for ref in item.get(key) or []]

    return extract


TYPES = (
    ResourceType(
        name="service_connections",
        area=AREA,
        description="Service connections (service endpoints) with their type, authentication scheme "
        "(e.g. ServicePrincipal secret vs WorkloadIdentityFederation), Azure scope and how many projects "
        "they are shared with. One row per connection: project_id is the first project listing it. "
        "Credentials are never returned by the API.",
        endpoint=SERVICE_ENDPOINTS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("id",),
        columns=(
            col("id", "VARCHAR"),
            col("name", "VARCHAR"),
            col("type", "VARCHAR", description="azurerm, azure (classic), github, dockerregistry, kubernetes, ..."),
            col("url", "VARCHAR"),
            col("description", "VARCHAR"),
            col("authorization_scheme", "VARCHAR", "authorization.scheme",
                "ServicePrincipal, WorkloadIdentityFederation, ManagedServiceIdentity, UsernamePassword, ..."),
            col("authentication_type", "VARCHAR", "authorization.parameters.authenticationType",
                "spnKey (client secret), spnCertificate, ... (Azure Resource Manager)."),
            col("authorization_scope", "VARCHAR", "authorization.parameters.scope",
                "Azure scope the principal is limited to, e.g. /subscriptions/.../resourcegroups/..."),
            col("tenant_id", "VARCHAR", "authorization.parameters.tenantid"),
            col("service_principal_id", "VARCHAR", "authorization.parameters.serviceprincipalid"),
            col("scope_level", "VARCHAR", "data.scopeLevel", "Subscription, ManagementGroup, ..."),
            col("creation_mode", "VARCHAR", "data.creationMode", "Automatic or Manual."),
            col("azure_environment", "VARCHAR", "data.environment"),
            col("subscription_id", "VARCHAR", "data.subscriptionId"),
            col("subscription_name", "VARCHAR", "data.subscriptionName"),
            col("is_shared", "BOOLEAN", description="Shared with other projects (not 'all pipelines')."),
            col("is_ready", "BOOLEAN"),
            col("is_disabled", "BOOLEAN"),
            col("owner", "VARCHAR", description="library or agentcloud."),
            ctx("project_id"),
            ctx("project_name"),
            col("shared_project_count", "BIGINT", count_of("serviceEndpointProjectReferences"),
                "Number of projects the connection is in."),
            col("project_ids", "JSON", _referenced_project_ids("serviceEndpointProjectReferences")),
            col("created_by", "VARCHAR", identity_name("createdBy")),
        ),
        required_scope="vso.serviceendpoint",
        expect_duplicates=True,
        ignore_in_history=("operationStatus",),
        audit_actions=("Library.ServiceConnection", "ServiceEndpoint."),
        audit_scope=AuditScope(rows={"id": audited_id("endpoint")}, calls={"project_id": "projectId"},
                               keep_stored=("project_id", "project_name")),
    ),
    ResourceType(
        name="variable_groups",
        area=AREA,
        description="Variable groups with their variables (secret values are never returned), how many are "
        "secret, and the Key Vault they are linked to. One row per group: project_id is the first project "
        "listing it.",
        endpoint=VARIABLE_GROUPS,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("id",),
        columns=(
            col("id", "BIGINT"),
            col("name", "VARCHAR"),
            col("type", "VARCHAR", description="Vsts or AzureKeyVault."),
            col("description", "VARCHAR"),
            col("is_shared", "BOOLEAN"),
            col("variables", "JSON", description="{name: {value, isSecret, isReadOnly}}; secrets are null."),
            col("variable_count", "BIGINT", count_of("variables")),
            col("secret_variable_count", "BIGINT", lambda item, _c: secret_variable_count(item.get("variables"))),
            col("key_vault_name", "VARCHAR", "providerData.vault"),
            col("key_vault_service_endpoint_id", "VARCHAR", "providerData.serviceEndpointId"),
            ctx("project_id"),
            ctx("project_name"),
            col("shared_project_count", "BIGINT", count_of("variableGroupProjectReferences")),
            col("project_ids", "JSON", _referenced_project_ids("variableGroupProjectReferences")),
            col("created_on", "TIMESTAMP"),
            col("created_by", "VARCHAR", identity_name("createdBy")),
            col("modified_on", "TIMESTAMP"),
            col("modified_by", "VARCHAR", identity_name("modifiedBy")),
        ),
        required_scope="vso.variablegroups_read",
        expect_duplicates=True,
        audit_actions=("Library.VariableGroup",),
        audit_scope=AuditScope(rows={"id": audited_id("variablegroup")}, calls={"project_id": "projectId"},
                               keep_stored=("project_id", "project_name")),
    ),
    ResourceType(
        name="secure_files",
        area=AREA,
        description="Secure files (certificates, signing keys, provisioning profiles) stored for pipelines.",
        endpoint=SECURE_FILES,
        scope="project",
        fan_out=(PER_PROJECT,),
        key=("id",),
        columns=(
            col("id", "VARCHAR"),
            col("name", "VARCHAR"),
            ctx("project_id"),
            ctx("project_name"),
            col("created_on", "TIMESTAMP"),
            col("created_by", "VARCHAR", identity_name("createdBy")),
            col("modified_on", "TIMESTAMP"),
            col("modified_by", "VARCHAR", identity_name("modifiedBy")),
            col("properties", "JSON"),
        ),
        required_scope="vso.securefiles_read",
        audit_actions=("Library.SecureFile",),
    ),
    ResourceType(
        name="service_connection_usage",
        area=AREA,
        description="When each service connection was last used by a pipeline (its newest execution-history "
        "record: one request per connection). A connection without a row has never been used. Changes with "
        "every pipeline run, so no history is kept.",
        endpoint=ENDPOINT_EXECUTION_HISTORY,
        scope="parent",
        fan_out=(
            FanOut(
                parent="service_connections",
                path_params={"project": "project_id", "endpointId": "id"},
                context={"endpoint_id": "id", "endpoint_name": "name", "project_id": "project_id",
                         "project_name": "project_name"},
            ),
        ),
        key=("endpoint_id",),
        columns=(
            ctx("endpoint_id", description="The service connection (join to service_connections.id)."),
            ctx("endpoint_name"),
            ctx("project_id"),
            ctx("project_name"),
            col("last_used_at", "TIMESTAMP", "data.finishTime", "When the newest job using it finished."),
            col("last_started_at", "TIMESTAMP", "data.startTime"),
            col("last_result", "VARCHAR", "data.result"),
            col("last_plan_type", "VARCHAR", "data.planType", "Build or Release."),
            col("last_definition_id", "BIGINT", "data.definition.id"),
            col("last_definition_name", "VARCHAR", "data.definition.name"),
            col("last_execution_id", "BIGINT", "data.id"),
        ),
        required_scope="vso.serviceendpoint",
        track_history=False,
    ),
)
