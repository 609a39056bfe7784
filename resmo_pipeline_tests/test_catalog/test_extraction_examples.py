"""Typed columns are read correctly from Microsoft's published example responses (reference/api-examples)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from resmo_pipeline.catalog import RESOURCE_TYPES
from resmo_pipeline.inventory.rows import build_frame, parse_timestamp

EXAMPLES = Path("/work/shared/reference/api-examples")
NOW = datetime(2026, 11, 28, 12, 0, 0)

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="reference examples not available")


def body(name: str) -> Any:
    document = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8-sig"))
    return document["responses"]["200"]["body"]


def rows(type_name: str, items: list[dict[str, Any]], context: dict[str, Any] | None = None) -> pd.DataFrame:
    rt = RESOURCE_TYPES[type_name]
    records = [(item, dict(context or {})) for item in items]
    if rt.explode is not None:
        records = [(part, c) for item, c in records for part in rt.explode(item)]
    frame, _ = build_frame(rt, records, "fabrikam", NOW)
    assert list(frame.columns) == rt.column_names
    assert frame["resource_id"].is_unique
    return frame.set_index("resource_id", drop=False)


def test_service_connection_columns() -> None:
    frame = rows("service_connections", body("serviceEndpoint__ListEndpoints")["value"],
                 {"project_id": "c7e5f0b3", "project_name": "TestProject"})
    row = frame.loc["5e47a0d8-c745-44f8-8f93-784f18ff31c4"]
    assert row["authorization_scheme"] == "UsernamePassword"
    assert row["type"] == "Generic" and row["owner"] == "Library"
    assert bool(row["is_shared"]) is False and bool(row["is_ready"]) is True
    assert row["shared_project_count"] == 1
    assert json.loads(row["project_ids"]) == ["c7e5f0b3-71fa-4429-9fb3-3321963a7c06"]
    assert row["project_name"] == "TestProject"
    assert pd.isna(row["authentication_type"])


def test_variable_group_counts_secrets_without_values() -> None:
    frame = rows("variable_groups", [body("distributedTask__GET_VariableGroup")])
    row = frame.loc["1"]
    assert row["variable_count"] == 2 and row["secret_variable_count"] == 1
    assert json.loads(row["variables"])["key2"] == {"value": None, "isSecret": True}
    assert row["created_on"] == pd.Timestamp("2017-12-12T06:35:51.693333")


def test_repositories_and_branches() -> None:
    repos = rows("repositories", body("git__GET__git_repositories")["value"])
    assert len(repos) == 3
    assert repos.loc["278d5cd2-584d-4b63-824a-2ba458937249", "default_branch"] == "refs/heads/master"
    assert repos.loc["5febef5a-833d-4e14-b9c0-14cb638f91e6", "project_name"] == "Fabrikam-Fiber-Git"
    assert pd.isna(repos.loc["5febef5a-833d-4e14-b9c0-14cb638f91e6", "default_branch"])
    branches = rows("branches", body("git__GET__git_repositories__repositoryId__refs_heads")["value"],
                    {"repository_id": "d3d1760b", "default_branch": "refs/heads/feature/calcApp"})
    first = branches.loc["d3d1760b/refs/heads/feature/calcApp"]
    assert bool(first["is_default_branch"]) and first["creator"] == "dev@mailserver.com"
    assert branches["is_default_branch"].sum() == 1


def test_policy_configuration_settings_and_scope() -> None:
    frame = rows("policy_configurations", body("policy__GET__policy_configurations")["value"],
                 {"project_id": "p1", "type_name": "Required reviewers"})
    row = frame.loc["p1/17"]
    assert bool(row["is_blocking"]) and bool(row["is_enabled"]) and not bool(row["deleted"])
    assert row["type_id"] == "fd2167ab-b0be-447a-8ec8-39368250530e"
    assert json.loads(row["scope"])[0] == {"refName": "refs/heads/master", "matchKind": "Exact", "repositoryId": None}
    assert row["created_by"] == "fabrikamfiber16@hotmail.com"


def test_user_entitlement_never_accessed_is_null() -> None:
    example = "memberEntitlementManagement__GET__memberEntitlementManagement_UserEntitlementById"
    frame = rows("user_entitlements", [body(example)])
    row = frame.loc["fe2f1bdb-9779-491a-a6f6-c6e9322cfb00"]
    assert pd.isna(row["last_accessed_date"])
    assert row["license_type"] == "stakeholder" and row["user_type"] == "member"
    assert row["user_descriptor"].startswith("aad.")


def test_access_control_list_is_one_row_per_entry() -> None:
    frame = rows("access_control_lists",
                 body("security__GET__accesscontrollists__securityNamespaceId___token-_existingToken__includeExtendedInfo-True")["value"],
                 {"namespace_id": "ns"})
    assert len(frame) == 3
    entry = frame.loc["ns/1ba198c0-7a12-46ed-a96b-f4e77554c6d4/"
                      "Microsoft.TeamFoundation.Identity;S-1-9-1551374245-1204400969-2402986413-2179408616-0-0-0-0-3"]
    assert entry["allow"] == 1 and entry["effective_allow"] == 1 and bool(entry["inherit_permissions"])


def test_a_list_without_entries_is_one_row_without_a_descriptor() -> None:
    lists = [{"token": "repoV2/p/r", "inheritPermissions": False, "acesDictionary": {}},
             {"token": "repoV2/p", "inheritPermissions": True,
              "acesDictionary": {"d1": {"descriptor": "d1", "allow": 4, "deny": 0}}}]
    frame = rows("access_control_lists", lists, {"namespace_id": "ns"})
    assert sorted(frame.index) == ["ns/repoV2/p/d1", "ns/repoV2/p/r/"]
    empty = frame.loc["ns/repoV2/p/r/"]
    assert empty["descriptor"] is None and not bool(empty["inherit_permissions"])


def test_group_flags() -> None:
    frame = rows("groups", body("graph__GetAllGroups")["value"])
    flagged = frame[frame["is_collection_admins"]]
    assert list(flagged["display_name"]) == ["Project Collection Administrators"]
    assert frame["is_build_service_accounts"].sum() == 1
    assert frame[frame["is_project_admins"]]["project_id"].notna().all()
    assert "vssgp" in set(frame["group_kind"])  # the example also holds "ungrp" (unknown) groups


def test_extensions_scopes_and_flags() -> None:
    frame = rows("extensions", body("extensionManagement__ListInstalledExtensions")["value"])
    hockey = frame.loc["ms/hockeyapp"]
    assert json.loads(hockey["scopes"]) == ["vso.build_execute", "vso.serviceendpoint_manage"]
    assert "ms.vss-endpoint.service-endpoint-type" in json.loads(hockey["contribution_types"])


def test_personal_access_tokens() -> None:
    items = body("tokenAdmin__GetPersonalAccessTokensForAUserInYourOrganization")["value"]
    frame = rows("personal_access_tokens", items, {"user_descriptor": "aad.x"})
    assert len(frame) == len(items)
    full = frame[frame["scope"] == "app_token"]
    assert full["is_full_access"].all() and full["is_all_organizations"].all()


def test_audit_entries() -> None:
    entries = body("audit__GET__AuditLog_QueryLog_by_date")["value"]["decoratedAuditLogEntries"]
    frame = rows("audit_log", entries)
    first = frame.iloc[0]
    assert first["action_id"] == "AuditLog.AccessLog" and first["category"] == "access"
    assert first["timestamp"] == pd.Timestamp("2019-03-05T14:05:02.146083")


def test_pipeline_permission_and_checks() -> None:
    permission = rows("pipeline_permissions", [body("approvalsAndChecks__GET__GetPipelinePermissionsForResource")],
                      {"project_id": "p", "resource_type": "queue", "resource_id_ref": "1"})
    row = permission.loc["p/queue/1"]
    assert not bool(row["all_pipelines_authorized"])
    assert json.loads(row["authorized_pipeline_ids"]) == [6, 15, 16]
    checks = rows("check_configurations", body("approvalsAndChecks__GET__CheckConfigurationsOnResource")["value"],
                  {"project_id": "p"})
    assert checks.loc["p/22", "type_name"] == "Approval" and checks.loc["p/22", "timeout"] == 43200


def test_release_definition_environments() -> None:
    example = "release__GET__ListAllReleaseDefinitionsWithEnvironmentsExpanded"
    frame = rows("release_definitions", body(example)["value"], {"project_id": "p"})
    row = frame.loc["p/1"]
    assert row["name"] == "MyShuttle.CD"
    assert len(json.loads(row["environment_names"])) == len(json.loads(row["environments"])) > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-05-31T16:39:04.883Z", datetime(2017, 5, 31, 16, 39, 4, 883000)),
        ("2026-10-27T18:42:41.8670960Z", datetime(2026, 10, 27, 18, 42, 41, 867096)),
        ("2019-03-05T14:05:02.1460838+01:00", datetime(2019, 3, 5, 13, 5, 2, 146083)),
        ("0001-01-01T00:00:00Z", None),
        ("not a date", None),
        (None, None),
        (pd.NaT, None),
        (pd.Timestamp("2026-01-02T04:00:00+01:00"), datetime(2026, 1, 2, 3, 0)),
        (np.datetime64("2026-01-02T03:00:00"), datetime(2026, 1, 2, 3, 0)),
    ],
)
def test_parse_timestamp(text: Any, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected
