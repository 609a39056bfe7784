"""Role assignments on library resources, feed retention policies and global packaging permissions,
collected from the demo simulator over HTTP and compared with its data model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import requests

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory.collect import CollectionResult, collect_all
from resmo_pipeline.simulator import Simulator

TYPES = ["role_assignments", "feed_retention_policies", "feed_global_permissions"]


@pytest.fixture(scope="module")
def results(simulator: Simulator) -> Iterator[dict[str, CollectionResult]]:
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url,
                           concurrency=8) as api:
        yield collect_all(api, TYPES)


@pytest.fixture(scope="module")
def roles(results: dict[str, CollectionResult]) -> pd.DataFrame:
    return results["role_assignments"].rows


def _named(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(item for item in items if item["name"] == name)


def _rows_for(roles: pd.DataFrame, kind: str, ref: Any) -> pd.DataFrame:
    return roles[(roles["resource_kind"] == kind) & (roles["resource_id_ref"] == str(ref))]


def test_columns_and_unique_keys(results: dict[str, CollectionResult]) -> None:
    for name in TYPES:
        result = results[name]
        assert list(result.rows.columns) == RESOURCE_TYPES[name].column_names
        assert result.rows["resource_id"].is_unique, name
        assert not result.warnings and not result.skipped, (name, result.warnings, result.skipped)


def test_every_library_resource_and_project_default_is_read(roles: pd.DataFrame, simulator: Simulator,
                                                            results: dict[str, CollectionResult]) -> None:
    state = simulator.state
    live = {p["id"] for p in state.projects if p["state"] == "wellFormed"}
    assert set(roles.loc[roles["resource_kind"] == "endpoint", "resource_id_ref"]) == {
        e["id"] for e in state.service_endpoints}
    assert set(roles.loc[roles["resource_kind"] == "variablegroup", "resource_id_ref"]) == {
        str(g["id"]) for g in state.variable_groups}
    assert set(roles.loc[roles["resource_kind"] == "pool", "resource_id_ref"]) == {str(p["id"]) for p in state.pools}
    for kind in ("project_endpoints", "project_library", "project_environments", "project_queues"):
        assert set(roles.loc[roles["resource_kind"] == kind, "project_id"]) == live, kind
    library = roles[roles["resource_kind"] == "project_library"]
    assert set(library["role_resource_id"]) == {f"{pid}$0" for pid in live}
    everything = roles[roles["resource_kind"] == "organization_pools"]
    assert set(everything["role_resource_id"]) == {"0"} and everything["project_id"].isna().all()
    assert "Administrator" in set(everything["role"])
    # One request per resource, four per project, one for all pools.
    resources = (len(state.service_endpoints) + len(state.variable_groups) + len(state.pools)
                 + sum(len(v) for v in state.secure_files.values()) + sum(len(v) for v in state.environments.values())
                 + sum(len(v) for v in state.queues.values()))
    assert results["role_assignments"].requests == resources + 4 * len(live) + 1


def test_broad_grants_on_service_connections(roles: pd.DataFrame, simulator: Simulator) -> None:
    legacy = _rows_for(roles, "endpoint", _named(simulator.state.service_endpoints, "legacy-azure-secret")["id"])
    contributors = legacy[legacy["identity_unique_name"].str.endswith("\\Contributors")]
    assert list(zip(contributors["role"], contributors["access"], strict=True)) == [("Administrator", "assigned")]
    github = _rows_for(roles, "endpoint", _named(simulator.state.service_endpoints, "github-contoso")["id"])
    valid = github[github["identity_unique_name"].str.endswith("\\Project Valid Users")]
    assert list(zip(valid["role"], valid["is_inherited"], strict=True)) == [("User", False)]


def test_inherited_versus_assigned(roles: pd.DataFrame, simulator: Simulator) -> None:
    endpoint = simulator.state.service_endpoints[0]
    rows = _rows_for(roles, "endpoint", endpoint["id"])
    inherited = rows[rows["is_inherited"]]
    assert not inherited.empty and (inherited["access"] == "inherited").all()
    assert set(inherited["role_scope"]) == {"distributedtask.project.serviceendpointrole"}
    assigned = rows[~rows["is_inherited"]]
    assert set(assigned["role_scope"]) == {"distributedtask.serviceendpointrole"}
    owner = simulator.state.owner["id"]
    assert assigned.loc[assigned["identity_id"] == owner, "role"].tolist() == ["Administrator"]
    assert rows["role_resource_id"].iloc[0] == f"{rows['project_id'].iloc[0]}_{endpoint['id']}"


def test_variable_group_with_a_single_administrator(roles: pd.DataFrame, simulator: Simulator) -> None:
    group = _named(simulator.state.variable_groups, "prod-secrets")
    rows = _rows_for(roles, "variablegroup", group["id"])
    assert len(rows) == 1, "inheritance is off: only the explicit assignment"
    row = rows.iloc[0]
    assert (row["role"], row["access"], row["scope"]) == ("Administrator", "assigned", "distributedtask.variablegroup")
    assert row["role_resource_id"] == f"{row['project_id']}${group['id']}"
    assert simulator.state.subject_by_identity_id(row["identity_id"])["subjectKind"] == "user"


def test_unknown_role_scope_answers_404(simulator: Simulator) -> None:
    url = (f"{simulator.base_url}/dev.azure.com/{simulator.organization}/_apis/securityroles/scopes/"
           "distributedtask.nosuchrole/roleassignments/resources/x")
    answer = requests.get(url, params={"api-version": "7.1-preview.1"}, auth=("", simulator.pat), timeout=10)
    assert answer.status_code == 404
    assert answer.json()["typeKey"] == "SecurityRoleScopeNotFoundException"


def test_retention_policies_with_no_policy_rows(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    rows = results["feed_retention_policies"].rows.set_index("feed_name")
    assert set(rows.index) == {f["name"] for f in simulator.state.feeds}
    assert (rows.loc["contoso-shared", "count_limit"], rows.loc["contoso-shared",
            "days_to_keep_recently_downloaded_packages"]) == (20, 30)
    assert bool(rows.loc["contoso-shared", "has_policy"]) and pd.isna(rows.loc["contoso-shared", "project_id"])
    assert not bool(rows.loc["web-packages", "has_policy"])
    assert pd.isna(rows.loc["web-packages", "count_limit"])
    assert rows.loc["payments-internal", "count_limit"] == 5000


def test_global_permissions_with_names(results: dict[str, CollectionResult], simulator: Simulator) -> None:
    rows = results["feed_global_permissions"].rows
    state = simulator.state
    assert sorted(zip(rows["identity_descriptor"], rows["role"], strict=True)) == sorted(
        (p["identityDescriptor"], p["role"]) for p in state.feed_global_permissions)
    for _, row in rows.iterrows():
        subject = state.subject_by_identity_id(row["identity_id"])
        assert row["identity_display_name"] == subject["principalName"] or row["identity_display_name"] == \
            subject["displayName"]
        assert row["identity_is_group"] == (subject["subjectKind"] == "group")
