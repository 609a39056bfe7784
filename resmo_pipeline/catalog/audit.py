"""The audit trail: audit log entries (collected incrementally) and audit streams to SIEM systems."""

from __future__ import annotations

from resmo_pipeline.azure_devops import Endpoint, Paging
from resmo_pipeline.catalog.model import ResourceType, col

AREA = "audit"

AUDIT_LOG = Endpoint(
    host="auditservice.dev.azure.com", path="_apis/audit/auditlog", api_version="7.1-preview.1",
    paging=Paging.BODY_TOKEN, items_key="decoratedAuditLogEntries", params={"skipAggregation": "true"},
    page_size=200, page_size_param="batchSize", scope="vso.auditlog",
)
AUDIT_STREAMS = Endpoint(
    host="auditservice.dev.azure.com", path="_apis/audit/streams", api_version="7.1-preview.1",
    scope="vso.auditlog",
)

TYPES = (
    ResourceType(
        name="audit_log",
        area=AREA,
        description="Audit log entries (who changed what, when, from where). Appended incrementally: each "
        "sync asks only for entries newer than the newest one stored; entries are never re-fetched in full. "
        "Needs an Entra-backed organization with auditing on.",
        endpoint=AUDIT_LOG,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "VARCHAR", description="Audit entry id, unique within the organization."),
            col("timestamp", "TIMESTAMP", description="When the audited action happened (UTC)."),
            col("action_id", "VARCHAR", description="What happened, e.g. Git.RepositoryCreated, Token.PatCreateEvent."),
            col("area", "VARCHAR", description="Service area of the action, e.g. Git, Library, Policy, Token."),
            col("category", "VARCHAR", description="Kind of action: create, modify, remove, access or execute."),
            col("details", "VARCHAR", description="The entry's text as the audit page shows it."),
            col("actor_user_id", "VARCHAR", description="Identity id of who acted."),
            col("actor_upn", "VARCHAR", "actorUPN", "Sign-in name (UPN) of who acted."),
            col("actor_display_name", "VARCHAR", description="Display name of who acted."),
            col("actor_client_id", "VARCHAR",
                description="Entra application id of the service principal that acted (NULL for users)."),
            col("actor_cuid", "VARCHAR", "actorCUID", "Consistently unique id (CUID) of who acted."),
            col("authentication_mechanism", "VARCHAR",
                description="How the actor authenticated, e.g. AAD_Cookie (browser sign-in), a PAT or OAuth token."),
            col("scope_type", "VARCHAR", description="Level the action applied to: organization, project, ..."),
            col("scope_id", "VARCHAR", description="Id of that organization or project."),
            col("scope_display_name", "VARCHAR", description="Name of that organization or project."),
            col("project_id", "VARCHAR",
                description="Project the action was in (NULL for organization-level actions)."),
            col("project_name", "VARCHAR", description="Name of that project."),
            col("ip_address", "VARCHAR", description="IP address the request came from."),
            col("user_agent", "VARCHAR", description="User agent of the client that made the request."),
            col("correlation_id", "VARCHAR", description="Groups the entries of one operation."),
            col("activity_id", "VARCHAR", description="Id of the request that caused the entry."),
            col("data", "JSON", description="Action-specific details, e.g. the resource's ids and the changed values."),
        ),
        required_scope="vso.auditlog",
        track_history=False,
        write_mode="append",
        since_param="startTime",
        since_field="timestamp",
    ),
    ResourceType(
        name="audit_streams",
        area=AREA,
        description="Audit streams forwarding the audit log to a SIEM (Splunk, Azure Monitor, Event Grid) "
        "and whether each is enabled.",
        endpoint=AUDIT_STREAMS,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "BIGINT", description="Audit stream id."),
            col("display_name", "VARCHAR", description="Stream name."),
            col("consumer_type", "VARCHAR",
                description="Where entries are sent: AzureMonitorLogs, Splunk, AzureEventGrid."),
            col("status", "VARCHAR", description="Stream state: enabled, disabledByUser, disabledBySystem, ..."),
            col("status_reason", "VARCHAR", description="Why the stream is disabled, when it is."),
            col("created_time", "TIMESTAMP", description="When the stream was created (UTC)."),
            col("updated_time", "TIMESTAMP", description="When the stream was last changed (UTC)."),
        ),
        required_scope="vso.auditlog",
        audit_actions=("AuditLog.Stream",),
    ),
)
