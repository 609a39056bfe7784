"""The catalog is consistent: names, keys, parents, types, versions, flags and the generated docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resmo_pipeline.catalog import RESOURCE_TYPES, enabled_types
from resmo_pipeline.catalog.docs import render

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
DUCKDB_TYPES = {"VARCHAR", "BIGINT", "BOOLEAN", "TIMESTAMP", "DOUBLE", "JSON"}
ISSUE_4_TYPES = {
    "organizations", "projects", "teams", "team_members", "users", "service_principals", "groups",
    "group_memberships", "effective_group_memberships", "user_entitlements", "repositories", "branches",
    "policy_configurations", "build_definitions", "pipeline_settings", "pipeline_permissions",
    "check_configurations", "release_definitions", "service_connections", "variable_groups", "secure_files",
    "agent_pools", "agent_queues", "agents", "environments", "security_namespaces", "access_control_lists",
    "personal_access_tokens", "audit_log", "audit_streams", "feeds", "feed_permissions", "extensions",
    "organization_policies",
    "service_connection_usage",  # not in the issue's list, but rule 21 (sc.inactive) needs when a connection was used
}
#: Issue 10: the types Resmo lists that were missing, and the data the leading rule packs read.
ISSUE_10_TYPES = {
    "service_hooks", "deployment_groups", "deployment_targets", "pipeline_runs", "pull_requests", "boards",
    "delivery_plans", "pipeline_yaml_files", "task_groups", "organization_pipeline_settings",
    "organization_entra_connection", "advanced_security", "project_features", "feed_retention_policies",
    "feed_global_permissions", "role_assignments", "environment_deployments",
}
#: Issue 11: pipeline YAML analysis.
ISSUE_11_TYPES = {"pipeline_yaml_elements"}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "resource-types.md"


def test_every_type_of_issues_4_10_and_11_is_in_the_catalog() -> None:
    assert set(RESOURCE_TYPES) == ISSUE_4_TYPES | ISSUE_10_TYPES | ISSUE_11_TYPES
    assert len(RESOURCE_TYPES) >= 50


def test_parents_come_before_their_children() -> None:
    order = list(RESOURCE_TYPES)
    for name, rt in RESOURCE_TYPES.items():
        for parent in rt.parents:
            assert order.index(parent) < order.index(name), f"{parent} must precede {name}"


@pytest.mark.parametrize("name", sorted(ISSUE_4_TYPES))
def test_entry_is_well_formed(name: str) -> None:
    rt = RESOURCE_TYPES[name]
    assert SNAKE.match(rt.name) and rt.area and len(rt.description) > 30
    assert rt.scope in {"organization", "project", "parent"}
    assert rt.key and all(k in {c.name for c in rt.columns} for k in rt.key)
    for column in rt.columns:
        assert SNAKE.match(column.name), column.name
        assert column.type in DUCKDB_TYPES, (column.name, column.type)
    # the row contract's and the SCD2 history tables' own columns
    reserved = {"organization", "resource_id", "fetched_at", "raw", "valid_from", "valid_to", "row_hash", "is_deleted"}
    assert not reserved & {c.name for c in rt.columns}
    assert rt.column_names[:2] == ["organization", "resource_id"] and rt.column_names[-2:] == ["fetched_at", "raw"]
    assert list(rt.column_types) == rt.column_names
    for endpoint in rt.all_endpoints:
        assert re.match(r"^7\.1(-preview\.\d+)?$", endpoint.api_version), endpoint
    if rt.endpoint is not None and not rt.internal:
        assert rt.required_scope.startswith("vso."), name


def test_preview_only_apis_are_called_with_a_preview_version() -> None:
    # reference §9.6: these 400 on a plain "7.1".
    preview_paths = ("graph/", "audit/", "extensionmanagement", "pipelinePermissions", "checks/", "/properties",
                     "connectionData", "tokenadmin")
    for rt in RESOURCE_TYPES.values():
        for endpoint in rt.all_endpoints:
            if any(p.lower() in endpoint.path.lower() for p in preview_paths):
                assert "preview" in endpoint.api_version, (rt.name, endpoint.path)


def test_audit_log_is_incremental_and_append_only() -> None:
    audit = RESOURCE_TYPES["audit_log"]
    assert audit.write_mode == "append" and audit.track_history is False
    assert {t.name for t in RESOURCE_TYPES.values() if not t.track_history} == {
        "audit_log", "service_connection_usage", "pipeline_runs", "pull_requests", "environment_deployments"}
    assert audit.since_param == "startTime" and audit.since_field == "timestamp"
    incremental = {"audit_log", "pipeline_runs", "pull_requests"}
    assert {rt.name for rt in RESOURCE_TYPES.values() if rt.write_mode == "append"} == incremental
    assert all(RESOURCE_TYPES[name].since_field for name in incremental)


def test_internal_types_are_flagged_and_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    internal = [rt.name for rt in RESOURCE_TYPES.values() if rt.internal]
    assert set(internal) == {"organization_policies", "organization_pipeline_settings",
                             "organization_entra_connection", "project_features"}
    assert all("internal" in RESOURCE_TYPES[name].description.lower() for name in internal)
    monkeypatch.delenv("RESMO_INTERNAL_APIS", raising=False)
    assert "organization_policies" in {t.name for t in enabled_types()}
    monkeypatch.setenv("RESMO_INTERNAL_APIS", "off")
    names = {t.name for t in enabled_types()}
    assert "organization_policies" not in names and "projects" in names


def test_pipeline_permissions_and_checks_cover_every_protected_resource() -> None:
    protected = {"service_connections", "variable_groups", "secure_files", "agent_queues", "environments",
                 "repositories"}
    assert set(RESOURCE_TYPES["pipeline_permissions"].parents) == protected
    assert set(RESOURCE_TYPES["check_configurations"].parents) == protected


def test_generated_docs_are_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), "run: python -m resmo_pipeline.catalog.docs > " \
        "docs/resource-types.md"
