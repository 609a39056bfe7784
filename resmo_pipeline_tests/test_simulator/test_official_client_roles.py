"""The official `azure-devops` client reads the simulated feed retention policies and global permissions.

The SDK finds both through `OPTIONS _apis` on feeds.dev.azure.com (location ids ed52a011-... and
a74419ef-..., both 7.1-preview.1). It has no security-roles client, so role assignments are only tested
through the collection engine (test_inventory/test_collect_roles.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from resmo_pipeline.simulator import Simulator


def _feed(simulator: Simulator, name: str) -> dict[str, Any]:
    return next(f for f in simulator.state.feeds if f["name"] == name)


def test_retention_policies_of_project_and_organization_feeds(connection: Any, simulator: Simulator) -> None:
    feeds = connection.clients_v7_1.get_feed_client()
    project_feed = _feed(simulator, "payments-internal")
    policy = feeds.get_feed_retention_policies(project_feed["id"], project=project_feed["project"]["id"])
    assert (policy.count_limit, policy.days_to_keep_recently_downloaded_packages) == (5000, 365)
    org_feed = _feed(simulator, "contoso-shared")
    policy = feeds.get_feed_retention_policies(org_feed["id"])
    assert (policy.count_limit, policy.days_to_keep_recently_downloaded_packages) == (20, 30)


def test_a_feed_without_retention_policy_is_not_found(connection: Any, simulator: Simulator) -> None:
    from azure.devops.exceptions import AzureDevOpsServiceError

    feed = _feed(simulator, "web-packages")
    with pytest.raises(AzureDevOpsServiceError) as raised:
        connection.clients_v7_1.get_feed_client().get_feed_retention_policies(feed["id"],
                                                                              project=feed["project"]["id"])
    assert raised.value.type_key == "FeedRetentionPolicyNotFoundException"


def test_global_permissions(connection: Any, simulator: Simulator) -> None:
    permissions = connection.clients_v7_1.get_feed_client().get_global_permissions(include_ids=True)
    expected = {(p["identityDescriptor"], p["role"]) for p in simulator.state.feed_global_permissions}
    assert {(p.identity_descriptor, p.role) for p in permissions} == expected
    assert {p.role for p in permissions} == {"administrator", "feedCreator"}
