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
            col("id", "VARCHAR", description="Service connection id (GUID)."),
            col("name", "VARCHAR", description="Service connection name."),
            col("type", "VARCHAR",
                description="Connection type: azurerm, azure (classic), github, dockerregistry, kubernetes, ..."),
            col("url", "VARCHAR", description="URL of the service it connects to, e.g. https://management.azure.com/."),
            col("description", "VARCHAR", description="Service connection description."),
            col("authorization_scheme", "VARCHAR", "authorization.scheme",
                "ServicePrincipal, WorkloadIdentityFederation, ManagedServiceIdentity, UsernamePassword, ..."),
            col("authentication_type", "VARCHAR", "authorization.parameters.authenticationType",
                "spnKey (client secret), spnCertificate, ... (Azure Resource Manager)."),
            col("authorization_scope", "VARCHAR", "authorization.parameters.scope",
                "Azure scope the principal is limited to, e.g. /subscriptions/.../resourcegroups/..."),
            col("tenant_id", "VARCHAR", "authorization.parameters.tenantid",
                "Entra tenant id of the principal (authorization.parameters.tenantid)."),
            col("service_principal_id", "VARCHAR", "authorization.parameters.serviceprincipalid",
                "Entra application (client) id the connection signs in as."),
            col("scope_level", "VARCHAR", "data.scopeLevel", "Azure scope level: Subscription, ManagementGroup, ..."),
            col("creation_mode", "VARCHAR", "data.creationMode",
                "Automatic (Azure DevOps created the principal) or Manual."),
            col("azure_environment", "VARCHAR", "data.environment",
                "Azure cloud: AzureCloud, AzureUSGovernment, AzureChinaCloud, ... (data.environment)."),
            col("subscription_id", "VARCHAR", "data.subscriptionId",
                "Azure subscription the connection targets (data.subscriptionId)."),
            col("subscription_name", "VARCHAR", "data.subscriptionName", "Name of that Azure subscription."),
            col("is_shared", "BOOLEAN", description="True when the connection is shared with other projects."),
            col("is_ready", "BOOLEAN", description="True when the connection is provisioned and usable."),
            col("is_disabled", "BOOLEAN",
                description="True when the connection is disabled (pipelines cannot use it)."),
            col("owner", "VARCHAR", description="Who owns the connection: library (a project) or agentcloud."),
            ctx("project_id", description="Id of the first project listing it (join to projects.id)."),
            ctx("project_name", description="Name of that project."),
            col("shared_project_count", "BIGINT", count_of("serviceEndpointProjectReferences"),
                "Number of projects the connection is in."),
            col("project_ids", "JSON", _referenced_project_ids("serviceEndpointProjectReferences"),
                "Ids of every project the connection is in (serviceEndpointProjectReferences)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the service connection (unique name, else display name)."),
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
            col("id", "BIGINT", description="Variable group id, unique within the organization."),
            col("name", "VARCHAR", description="Variable group name."),
            col("type", "VARCHAR",
                description="Vsts (variables stored here) or AzureKeyVault (linked from a Key Vault)."),
            col("description", "VARCHAR", description="Variable group description."),
            col("is_shared", "BOOLEAN", description="True when the group is shared with other projects."),
            col("variables", "JSON", description="{name: {value, isSecret, isReadOnly}}; secrets are null."),
            col("variable_count", "BIGINT", count_of("variables"), "Number of variables in the group."),
            col("secret_variable_count", "BIGINT", lambda item, _c: secret_variable_count(item.get("variables")),
                "Number of variables marked secret."),
            col("key_vault_name", "VARCHAR", "providerData.vault",
                "Azure Key Vault the variables are linked from (AzureKeyVault groups)."),
            col("key_vault_service_endpoint_id", "VARCHAR", "providerData.serviceEndpointId",
                "Service connection that reads the Key Vault (join to service_connections.id)."),
            ctx("project_id", description="Id of the first project listing it (join to projects.id)."),
            ctx("project_name", description="Name of that project."),
            col("shared_project_count", "BIGINT", count_of("variableGroupProjectReferences"),
                "Number of projects the group is in."),
            col("project_ids", "JSON", _referenced_project_ids("variableGroupProjectReferences"),
                "Ids of every project the group is in (variableGroupProjectReferences)."),
            col("created_on", "TIMESTAMP", description="When the variable group was created (UTC)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the variable group (unique name, else display name)."),
            col("modified_on", "TIMESTAMP", description="When the variable group was last changed (UTC)."),
            col("modified_by", "VARCHAR", identity_name("modifiedBy"),
                "Who last changed the variable group (unique name, else display name)."),
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
            col("id", "VARCHAR", description="Secure file id (GUID)."),
            col("name", "VARCHAR", description="File name, e.g. signing.p12."),
            ctx("project_id", description="Project id (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("created_on", "TIMESTAMP", description="When the file was uploaded (UTC)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who uploaded the file (unique name, else display name)."),
            col("modified_on", "TIMESTAMP", description="When the file was last changed (UTC)."),
            col("modified_by", "VARCHAR", identity_name("modifiedBy"),
                "Who last changed the file (unique name, else display name)."),
            col("properties", "JSON", description="Properties set on the file (name-value pairs; never its content)."),
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
            ctx("endpoint_name", description="Service connection name."),
            ctx("project_id", description="Project the usage history was read in (join to projects.id)."),
            ctx("project_name", description="Project name."),
            col("last_used_at", "TIMESTAMP", "data.finishTime", "When the newest job using it finished (UTC)."),
            col("last_started_at", "TIMESTAMP", "data.startTime",
                "When the newest job using the connection started (UTC)."),
            col("last_result", "VARCHAR", "data.result", "Result of that job: succeeded, failed, canceled, ..."),
            col("last_plan_type", "VARCHAR", "data.planType", "Kind of pipeline that last used it: Build or Release."),
            col("last_definition_id", "BIGINT", "data.definition.id",
                "The pipeline (build or release definition id) of that job."),
            col("last_definition_name", "VARCHAR", "data.definition.name", "Name of that pipeline."),
            col("last_execution_id", "BIGINT", "data.id", "Id of that execution record (data.id)."),
        ),
        required_scope="vso.serviceendpoint",
        track_history=False,
    ),
)
