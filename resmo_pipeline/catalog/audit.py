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
            col("id", "VARCHAR"),
            col("timestamp", "TIMESTAMP"),
            col("action_id", "VARCHAR", description="e.g. Git.RepositoryCreated, Token.PatCreateEvent."),
            col("area", "VARCHAR"),
            col("category", "VARCHAR", description="create, modify, remove, access or execute."),
            col("details", "VARCHAR"),
            col("actor_user_id", "VARCHAR"),
            col("actor_upn", "VARCHAR", "actorUPN"),
            col("actor_display_name", "VARCHAR"),
            col("actor_client_id", "VARCHAR", description="Set when a service principal acted."),
            col("actor_cuid", "VARCHAR", "actorCUID"),
            col("authentication_mechanism", "VARCHAR"),
            col("scope_type", "VARCHAR"),
            col("scope_id", "VARCHAR"),
            col("scope_display_name", "VARCHAR"),
            col("project_id", "VARCHAR"),
            col("project_name", "VARCHAR"),
            col("ip_address", "VARCHAR"),
            col("user_agent", "VARCHAR"),
            col("correlation_id", "VARCHAR"),
            col("activity_id", "VARCHAR"),
            col("data", "JSON"),
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
            col("id", "BIGINT"),
            col("display_name", "VARCHAR"),
            col("consumer_type", "VARCHAR"),
            col("status", "VARCHAR", description="enabled, disabledByUser, disabledBySystem, ..."),
            col("status_reason", "VARCHAR"),
            col("created_time", "TIMESTAMP"),
            col("updated_time", "TIMESTAMP"),
        ),
        required_scope="vso.auditlog",
        audit_actions=("AuditLog.Stream",),
    ),
)
