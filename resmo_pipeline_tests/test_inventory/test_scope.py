"""Partial refreshes: which audit entries name which rows, and the table a partial re-read leaves behind.

The merge is checked on rows that made the real round trip (collected from the simulator, written to a DuckDB
file, read back as the run reads them), because dtype drift there would show up as false history changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from resmo_pipeline.azure_devops import AzureDevOpsClient
from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory import scope as refresh_scope
from resmo_pipeline.inventory.collect import collect
from resmo_pipeline.inventory.rows import parent_rows_from_frame
from resmo_pipeline.inventory.session import RunCollection

CONNECTIONS = RESOURCE_TYPES["service_connections"]
PERMISSIONS = RESOURCE_TYPES["pipeline_permissions"]


def _round_trip(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The frame as the run reads it back after the IO manager stored it."""
    conn = duckdb.connect(str(path))
    try:
        conn.register("frame", frame)
        conn.execute("CREATE OR REPLACE TABLE stored AS SELECT * FROM frame")
        return conn.execute("SELECT * FROM stored").df()
    finally:
        conn.close()


def _entry(**fields: Any) -> dict[str, Any]:
    return {"actionId": "Library.ServiceConnectionModified", "category": "modify", **fields}


def test_an_audit_entry_names_the_permission_row_and_the_connection_it_changed() -> None:
    entry = _entry(projectId="P1", data={"ResourceType": "endpoint", "ResourceId": "E1"})
    [permission] = refresh_scope.selectors_for(PERMISSIONS, [entry, dict(entry)])  # the same entry twice: once
    assert permission["rows"] == {"project_id": "P1", "resource_type": "endpoint", "resource_id_ref": "E1"}
    assert refresh_scope.selectors_for(CONNECTIONS, [entry]) == [{"rows": {"id": "E1"}, "calls": {"project_id": "P1"}}]
    # Repositories are addressed as {projectId}.{repositoryId} by the pipelines APIs; the row keeps the id.
    repo = {"actionId": "Git.RepositoryModified", "category": "modify", "projectId": "P1",
            "data": {"ResourceType": "repository", "ResourceId": "P1.R9"}}
    [selector] = refresh_scope.selectors_for(PERMISSIONS, [repo])
    assert selector["rows"]["resource_id_ref"] == "R9"


@pytest.mark.parametrize(
    "entries",
    [
        [_entry(category="create", projectId="P1", data={"ResourceType": "endpoint", "ResourceId": "E1"})],
        [_entry(projectId="P1", data={"Name": "no id"})],
        [_entry(data={"ResourceType": "endpoint", "ResourceId": "E1"})],  # no project
        [_entry(projectId="P1", data={"ResourceType": "endpoint", "ResourceId": f"E{n}"})
         for n in range(refresh_scope.MAX_SELECTORS_PER_TYPE + 1)],
    ],
    ids=["created", "no-resource-id", "no-project", "too-many"],
)
def test_entries_that_cannot_name_the_rows_refresh_the_whole_type(entries: list[dict[str, Any]]) -> None:
    assert refresh_scope.selectors_for(PERMISSIONS, entries) is None


def test_a_run_tag_that_is_not_understood_scopes_nothing() -> None:
    scopes = {"pipeline_permissions": [{"rows": {"project_id": "P1"}, "calls": {}}]}
    assert refresh_scope.decode(refresh_scope.encode(scopes)) == scopes
    assert refresh_scope.decode("{not json") == {}
    assert refresh_scope.decode('{"no_such_type": [{"rows": {"id": "1"}}]}') == {}
    assert refresh_scope.decode('{"pipeline_permissions": [{"rows": {}}]}') == {}


def test_the_call_filter_matches_case_insensitively_and_keeps_calls_it_cannot_judge() -> None:
    accepts = refresh_scope.call_filter([{"rows": {}, "calls": {"project_id": "AbC"}}])
    assert accepts({"project_id": "abc", "project_name": "x"})
    assert not accepts({"project_id": "other"})
    assert accepts({})


def test_a_partial_re_read_replaces_only_the_named_rows_and_keeps_the_rest_exactly(
    demo_sim: Any, demo_client: AzureDevOpsClient, tmp_path: Path
) -> None:
    projects = parent_rows_from_frame(collect("projects", demo_client).rows)
    full = collect(CONNECTIONS, demo_client, {"projects": projects}).rows
    stored = _round_trip(full, tmp_path / "w.duckdb")
    shared = next(e for e in demo_sim.state.service_endpoints if len(e["serviceEndpointProjectReferences"]) > 1)
    first_project = stored.loc[stored["id"] == shared["id"], "project_id"].item()
    other_project = next(r["projectReference"]["id"] for r in shared["serviceEndpointProjectReferences"]
                         if r["projectReference"]["id"] != first_project)

    listed: dict[str, int] = {}
    for project in (first_project, other_project):
        selectors = [{"rows": {"id": shared["id"].upper()}, "calls": {"project_id": project}}]
        demo_client.stats.per_endpoint.clear()
        partial = collect(CONNECTIONS, demo_client, {"projects": projects}, only=refresh_scope.call_filter(selectors))
        merged = refresh_scope.merge(CONNECTIONS, stored, partial.rows, selectors)

        assert partial.requests == 1
        listed[project] = len(partial.rows)
        assert sorted(merged["resource_id"]) == sorted(full["resource_id"])
        assert list(merged.columns) == list(full.columns)
        assert dict(merged.dtypes) == dict(full.dtypes)
        renewed = merged[merged["id"] == shared["id"]]
        # Read through any project, the shared connection still belongs to the first project listing it.
        assert renewed["project_id"].item() == first_project
        assert renewed["fetched_at"].item() == partial.rows["fetched_at"].iloc[0]
        # Other connections the project's listing returned keep their stored rows (and fetch time).
        untouched = merged[merged["id"] != shared["id"]].sort_values("resource_id").reset_index(drop=True)
        expected = stored[stored["id"] != shared["id"]].sort_values("resource_id").reset_index(drop=True)
        assert (untouched["fetched_at"] == expected["fetched_at"]).all()
        pd.testing.assert_frame_equal(untouched.drop(columns="fetched_at"),
                                      full[full["id"] != shared["id"]].sort_values("resource_id")
                                      .reset_index(drop=True).drop(columns="fetched_at"))
    # The first project's listing returned more connections than the one named: only that one was taken.
    assert listed[first_project] > 1


def test_a_named_resource_the_re_read_does_not_return_is_gone(
    demo_client: AzureDevOpsClient, tmp_path: Path
) -> None:
    projects = parent_rows_from_frame(collect("projects", demo_client).rows)
    stored = _round_trip(collect(CONNECTIONS, demo_client, {"projects": projects}).rows, tmp_path / "w.duckdb")
    project = stored["project_id"].iloc[0]
    selectors = [{"rows": {"id": "00000000-0000-0000-0000-00000000dead"}, "calls": {"project_id": project}}]
    ghost = stored.iloc[[0]].assign(id=selectors[0]["rows"]["id"], resource_id=selectors[0]["rows"]["id"])
    partial = collect(CONNECTIONS, demo_client, {"projects": projects}, only=refresh_scope.call_filter(selectors))

    merged = refresh_scope.merge(CONNECTIONS, pd.concat([stored, ghost], ignore_index=True), partial.rows, selectors)

    assert selectors[0]["rows"]["id"] not in set(merged["id"])
    assert len(merged) == len(stored)


def test_a_run_reads_a_scoped_type_whole_when_nothing_is_stored_yet(
    demo_sim: Any, demo_client: AzureDevOpsClient
) -> None:
    project = demo_sim.state.projects[0]["id"]
    selectors = [{"rows": {"id": "any"}, "calls": {"project_id": project}}]
    stored: dict[str, pd.DataFrame] = {}

    def stored_frame(name: str) -> pd.DataFrame:
        if name == "projects":
            return collect("projects", demo_client).rows
        return stored.get(name, pd.DataFrame())

    collection = RunCollection(demo_client, [], stored_frame, {}, scopes={"service_connections": selectors})
    whole = collection.read(CONNECTIONS)
    assert whole.requests > 1 and len(whole.rows) == len(demo_sim.state.service_endpoints)

    stored["service_connections"] = whole.rows
    partial = collection.read(CONNECTIONS)
    assert partial.requests == 1
    assert sorted(partial.rows["resource_id"]) == sorted(whole.rows["resource_id"])
    assert (whole.partial, partial.partial) == (0, 1)
