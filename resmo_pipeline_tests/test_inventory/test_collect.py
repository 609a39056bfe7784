"""The collection engine against the simulated organization (demo preset, over HTTP).

Every resource type is collected once per module (`collect_all`); the tests compare the rows with the
simulator's own state: counts and keys, typed values, unique resource ids, fan-out coverage, the
incremental audit log, and what a token lacking a scope does.
"""

from __future__ import annotations

import gc
import itertools
import json
import sys
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient, PatCredential, PermissionDeniedError
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory.collect import (
    BULK_READ_GC_THRESHOLD,
    BULK_READ_SWITCH_INTERVAL_S,
    CollectionResult,
    bulk_reading,
    collect,
    collect_all,
)
from resmo_pipeline.inventory.rows import parent_rows_from_frame, parse_timestamp
from resmo_pipeline.simulator import Simulator


@pytest.fixture(scope="module")
def client(simulator: Simulator) -> Iterator[AzureDevOpsClient]:
    with AzureDevOpsClient(simulator.organization, PatCredential(simulator.pat), base_url=simulator.base_url,
                           concurrency=8) as api:
        yield api


@pytest.fixture(scope="module")
def results(client: AzureDevOpsClient) -> dict[str, CollectionResult]:
    return collect_all(client, list(RESOURCE_TYPES))


@pytest.fixture(scope="module")
def state(simulator: Simulator) -> Any:
    return simulator.state


def ids(result: CollectionResult, column: str = "resource_id") -> set[str]:
    return set(result.rows[column].astype(str))


def test_every_type_is_collected_with_the_declared_columns(results: dict[str, CollectionResult]) -> None:
    assert list(results) == list(RESOURCE_TYPES)
    for name, result in results.items():
        rt = RESOURCE_TYPES[name]
        assert list(result.rows.columns) == rt.column_names, name
        assert result.column_types == rt.column_types
        assert result.rows["resource_id"].is_unique, name
        assert (result.rows["organization"] == "contoso").all(), name
        assert result.rows["raw"].map(lambda text: isinstance(json.loads(text), dict)).all(), name
        assert len(result.rows) > 0, f"{name}: the demo organization should have rows"
        if rt.endpoint is not None:
            assert result.requests > 0, name
        else:
            assert result.requests == 0, name


def test_organization_and_projects(results: dict[str, CollectionResult], state: Any) -> None:
    organization = results["organizations"].rows.iloc[0]
    assert organization["id"] == state.org_id and organization["name"] == "contoso"
    assert organization["owner"] == state.owner["id"]
    projects = results["projects"].rows.set_index("id")
    assert set(projects.index) == {p["id"] for p in state.projects}
    for project in state.projects:
        assert projects.loc[project["id"], "visibility"] == project["visibility"]
        properties = {p["name"]: p["value"] for p in state.project_properties[project["id"]]}
        assert projects.loc[project["id"], "process_template"] == properties["System.Process Template"]
    assert projects["source_control_type"].notna().all()


def test_project_scoped_types_cover_every_project(results: dict[str, CollectionResult], state: Any) -> None:
    def per_project(collection: dict[str, list[dict[str, Any]]]) -> set[str]:
        return {f"{pid}/{item['id']}" for pid, items in collection.items() for item in items}

    expected = {
        "teams": {t["id"] for teams in state.teams.values() for t in teams},
        "build_definitions": per_project(state.build_definitions),
        "release_definitions": per_project(state.release_definitions),
        "policy_configurations": per_project(state.policy_configurations),
        "agent_queues": per_project(state.queues),
        "environments": per_project(state.environments),
        "secure_files": {f["id"] for files in state.secure_files.values() for f in files},
        "pipeline_settings": set(state.pipeline_settings),
    }
    for name, keys in expected.items():
        assert ids(results[name]) == keys, name
    settings = results["pipeline_settings"].rows.set_index("project_id")
    for project_id, body in state.pipeline_settings.items():
        assert settings.loc[project_id, "enforce_job_auth_scope"] == body["enforceJobAuthScope"]


def test_identity_types_match_the_graph(results: dict[str, CollectionResult], state: Any) -> None:
    by_kind: dict[str, set[str]] = {}
    for descriptor, subject in state.subjects.items():
        by_kind.setdefault(subject["subjectKind"], set()).add(descriptor)
    assert ids(results["users"]) == by_kind["user"]
    assert ids(results["service_principals"]) == by_kind["servicePrincipal"]
    assert ids(results["groups"]) == by_kind["group"]
    memberships = {f"{g}/{m}" for g, members in state.memberships_down.items() for m in members
                   if g in by_kind["group"]}
    assert ids(results["group_memberships"]) == memberships
    groups = results["groups"].rows
    assert groups.loc[groups["is_collection_admins"], "display_name"].tolist() == ["Project Collection Administrators"]
    assert len(results["user_entitlements"].rows) == len(state.entitlements)
    teams = results["teams"].rows
    assert teams["descriptor"].notna().all() and set(teams["descriptor"]) <= by_kind["group"]


def test_effective_memberships_are_the_transitive_closure(results: dict[str, CollectionResult], state: Any) -> None:
    effective = results["effective_group_memberships"].rows
    direct = results["group_memberships"].rows
    assert set(zip(direct["container_descriptor"], direct["member_descriptor"], strict=True)) == set(
        zip(effective.loc[effective["depth"] == 1, "group_descriptor"],
            effective.loc[effective["depth"] == 1, "member_descriptor"], strict=True)
    )
    nested = effective[effective["depth"] > 1]
    assert len(nested) > 0, "the demo organization nests groups"
    row = nested.iloc[0]
    path = json.loads(row["path"])
    assert path[0] == row["group_descriptor"] and path[-1] == row["member_descriptor"] and len(path) == row["depth"] + 1
    for parent, child in itertools.pairwise(path):
        assert child in state.memberships_down[parent]


def _typed(rows: list[dict[str, Any]]) -> list[dict[str, tuple[str, Any]]]:
    return [{name: (type(value).__name__, value) for name, value in row.items()} for row in rows]


def test_parent_rows_kept_from_the_read_equal_those_read_back_from_the_table(
    client: AzureDevOpsClient, results: dict[str, CollectionResult]
) -> None:
    """Children fan out over parent rows made from the values the frame was built of; they must be exactly what
    the warehouse's rows give back (the path a partial refresh or a later run takes), value types included."""
    parent_types = sorted({parent for rt in RESOURCE_TYPES.values() for parent in rt.parents})
    assert {"projects", "users", "groups", "repositories", "service_connections"} <= set(parent_types)
    for name in parent_types:
        rt = RESOURCE_TYPES[name]
        parents = {parent: parent_rows_from_frame(results[parent].rows) for parent in rt.parents}
        fresh = collect(rt, client, parents, for_children=True)
        kept = fresh.parent_rows()
        assert len(kept) == len(fresh.rows) > 0, name
        assert _typed(kept) == _typed(parent_rows_from_frame(fresh.rows)), name
        # Asked again (a step's retry), they come from the frame: the values are let go after the first call.
        assert fresh._table is None and _typed(fresh.parent_rows()) == _typed(kept)


def test_code_types(results: dict[str, CollectionResult], state: Any) -> None:
    assert ids(results["repositories"]) == {r["id"] for r in state.repositories}
    enabled = {r["id"] for r in state.repositories if not r.get("isDisabled")}
    expected_branches = {f"{rid}/{ref['name']}" for rid, refs in state.refs.items() if rid in enabled for ref in refs}
    assert ids(results["branches"]) == expected_branches
    branches = results["branches"].rows
    defaults = branches[branches["is_default_branch"]]
    repos = {r["id"]: r for r in state.repositories}
    assert all(repos[rid].get("defaultBranch") == name for rid, name in zip(defaults["repository_id"], defaults["name"],
                                                                               strict=True))
    policies = results["policy_configurations"].rows
    assert policies["type_name"].notna().all()


def test_protected_resource_fan_out(results: dict[str, CollectionResult], state: Any) -> None:
    permissions = results["pipeline_permissions"].rows
    got = set(zip(permissions["project_id"], permissions["resource_type"], permissions["resource_id_ref"], strict=True))
    expected = set()
    for project_id, resource_type, resource_id in state.pipeline_permissions:
        ref = resource_id.split(".", 1)[1] if resource_type == "repository" else resource_id
        expected.add((project_id, resource_type, ref))
    assert expected <= got
    for name, resource_type in [("service_connections", "endpoint"), ("variable_groups", "variablegroup"),
                                ("secure_files", "securefile"), ("agent_queues", "queue"),
                                ("environments", "environment"), ("repositories", "repository")]:
        covered = set(permissions.loc[permissions["resource_type"] == resource_type, "resource_id_ref"])
        assert set(results[name].rows["id"].astype(str)) <= covered, name
    checks = results["check_configurations"].rows
    assert len(checks) == sum(len(v) for v in state.check_configurations.values())


def test_library_types(results: dict[str, CollectionResult], state: Any) -> None:
    assert ids(results["service_connections"]) == {e["id"] for e in state.service_endpoints}
    assert ids(results["variable_groups"]) == {str(g["id"]) for g in state.variable_groups}
    connections = results["service_connections"].rows.set_index("name")
    for endpoint in state.service_endpoints:
        row = connections.loc[endpoint["name"]]
        assert row["authorization_scheme"] == endpoint["authorization"]["scheme"]
        assert row["shared_project_count"] == len(endpoint.get("serviceEndpointProjectReferences") or [])
    usage = results["service_connection_usage"].rows.set_index("endpoint_id")
    assert set(usage.index) == {key for key, history in state.endpoint_history.items() if history}
    for key, history in state.endpoint_history.items():
        newest = max(history, key=lambda h: h["data"]["finishTime"])["data"]
        assert usage.loc[key, "last_used_at"] == pd.Timestamp(parse_timestamp(newest["finishTime"]))
    groups = results["variable_groups"].rows.set_index("id")
    for group in state.variable_groups:
        secrets = sum(1 for v in group["variables"].values() if v.get("isSecret"))
        assert groups.loc[group["id"], "secret_variable_count"] == secrets


def test_agents_security_and_the_rest(results: dict[str, CollectionResult], state: Any) -> None:
    assert ids(results["agent_pools"]) == {str(p["id"]) for p in state.pools}
    assert len(results["agents"].rows) == sum(len(a) for a in state.agents.values())
    aces = sum(len(acl["acesDictionary"]) for acls in state.acls.values() for acl in acls)
    assert len(results["access_control_lists"].rows) == aces
    acl = results["access_control_lists"].rows
    assert acl["identity_subject_descriptor"].notna().mean() > 0.9, "entries resolve to identities"
    assert set(acl["identity_subject_descriptor"].dropna()) <= set(state.subjects)
    assert ids(results["extensions"]) == {f"{e['publisherId']}/{e['extensionId']}" for e in state.extensions}
    assert ids(results["feeds"]) == {f["id"] for f in state.feeds}
    assert len(results["feed_permissions"].rows) == sum(len(v) for v in state.feed_permissions.values())
    assert ids(results["audit_streams"]) == {str(s["id"]) for s in state.audit_streams}
    assert ids(results["organization_policies"]) == set(state.org_policies)
    pats = results["personal_access_tokens"].rows
    assert set(pats["resource_id"]) <= {p["authorizationId"] for ps in state.pats.values() for p in ps}
    assert pats["is_full_access"].any() and (~pats["is_full_access"]).any()


def test_audit_log_since_returns_only_newer_entries(client: AzureDevOpsClient,
                                                    results: dict[str, CollectionResult]) -> None:
    everything = results["audit_log"].rows
    stamps = sorted(everything["timestamp"])
    assert len(stamps) >= 4
    since = stamps[len(stamps) // 2].to_pydatetime()
    newer = collect("audit_log", client, since=since).rows
    assert len(newer) > 0
    assert (newer["timestamp"] > pd.Timestamp(since)).all()
    later = everything.loc[everything["timestamp"] > pd.Timestamp(since), "resource_id"]
    assert set(newer["resource_id"]) == set(later)
    assert parse_timestamp(since.isoformat()) == since


def test_a_token_without_the_scope_is_refused_with_the_scope_named(simulator: Simulator) -> None:
    limited = simulator.issue_pat(scopes=("vso.code",))
    with AzureDevOpsClient(simulator.organization, PatCredential(limited), base_url=simulator.base_url) as api:
        assert len(collect("repositories", api).rows) > 0
        with pytest.raises(PermissionDeniedError) as refused:
            collect("service_connections", api, {"projects": results_projects(simulator)})
    assert refused.value.required_scope == "vso.serviceendpoint"


def results_projects(simulator: Simulator) -> list[dict[str, Any]]:
    return [{"id": p["id"], "name": p["name"], "state": p["state"]} for p in simulator.state.projects]


def test_an_organization_scoped_token_still_reads_the_organization(simulator: Simulator) -> None:
    # The accounts API (owner) answers only to tokens valid for all organizations: a warning, not a failure.
    scoped = simulator.issue_pat(scopes=("vso.profile",))
    with AzureDevOpsClient(simulator.organization, PatCredential(scoped), base_url=simulator.base_url) as api:
        result = collect("organizations", api)
    row = result.rows.iloc[0]
    assert row["id"] == simulator.state.org_id and pd.isna(row["owner"])
    assert any("accounts API" in warning for warning in result.warnings)


def test_a_bulk_read_tunes_the_interpreter_and_restores_the_settings_when_the_last_read_ends() -> None:
    before, switch_before = gc.get_threshold(), sys.getswitchinterval()
    assert switch_before > BULK_READ_SWITCH_INTERVAL_S  # CPython's default, 5 ms
    with bulk_reading():
        assert gc.get_threshold()[0] == max(BULK_READ_GC_THRESHOLD, before[0])
        assert sys.getswitchinterval() == pytest.approx(BULK_READ_SWITCH_INTERVAL_S)
        with bulk_reading():  # a second organization read at the same time
            pass
        assert gc.get_threshold()[0] == max(BULK_READ_GC_THRESHOLD, before[0])
        assert sys.getswitchinterval() == pytest.approx(BULK_READ_SWITCH_INTERVAL_S)
    assert gc.get_threshold() == before
    assert sys.getswitchinterval() == switch_before
