"""The computed and exploding hooks, on hand-made inputs: transitive memberships (with a cycle), org policies."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.catalog import RESOURCE_TYPES, FetchContext
from resmo_pipeline.catalog.internal_api import DATA_PROVIDER


def membership(group: str, member: str) -> dict[str, Any]:
    return {"container_descriptor": group, "member_descriptor": member, "container_name": group.upper()}


def closure(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    rt = RESOURCE_TYPES["effective_group_memberships"]
    assert rt.fetch is not None
    records = rt.fetch(FetchContext(resource_type=rt, client=None, parent_rows={"group_memberships": rows}))  # type: ignore[arg-type]
    return {(item["groupDescriptor"], item["memberDescriptor"]): {**item, **context} for item, context in records}


def test_transitive_closure_keeps_the_shortest_path() -> None:
    pairs = closure([
        membership("vssgp.pca", "vssgp.admins"),
        membership("vssgp.admins", "aad.alice"),
        membership("vssgp.pca", "aad.alice"),
        membership("vssgp.admins", "vssgp.ops"),
        membership("vssgp.ops", "aad.bob"),
    ])
    assert pairs[("vssgp.pca", "aad.alice")]["depth"] == 1
    assert pairs[("vssgp.pca", "aad.bob")]["path"] == ["vssgp.pca", "vssgp.admins", "vssgp.ops", "aad.bob"]
    bob = pairs[("vssgp.pca", "aad.bob")]
    assert bob["depth"] == 3 and bob["group_name"] == "VSSGP.PCA"
    assert ("vssgp.ops", "aad.alice") not in pairs
    assert len(pairs) == 4 + 3 + 1  # pca: admins, alice, ops, bob; admins: alice, ops, bob; ops: bob


def test_a_membership_cycle_terminates() -> None:
    pairs = closure(
        [membership("vssgp.a", "vssgp.b"), membership("vssgp.b", "vssgp.a"), membership("vssgp.b", "aad.x")]
    )
    assert pairs[("vssgp.a", "aad.x")]["depth"] == 2
    assert ("vssgp.a", "vssgp.a") not in pairs and pairs[("vssgp.b", "vssgp.a")]["depth"] == 1


def test_organization_policies_become_one_item_per_policy() -> None:
    rt = RESOURCE_TYPES["organization_policies"]
    assert rt.explode is not None
    body = {"fps": {"dataProviders": {"data": {DATA_PROVIDER: {"policies": {
        "applicationConnection": [{"policy": {"name": "Policy.DisallowOAuthAuthentication", "value": False,
                                              "effectiveValue": False}}],
        "security": [{"policy": {"name": "Policy.AllowAnonymousAccess", "value": True, "effectiveValue": True}},
                     {"policy": {"name": "Policy.LogAuditEvents", "effectiveValue": "true", "isValueUndefined": True}}],
    }}}}}}
    items = list(rt.explode(body))
    assert [(i["category"], i["policy"]["name"]) for i in items] == [
        ("applicationConnection", "Policy.DisallowOAuthAuthentication"),
        ("security", "Policy.AllowAnonymousAccess"),
        ("security", "Policy.LogAuditEvents"),
    ]
    enabled = {c.name: c for c in rt.columns}["effective_enabled"]
    assert callable(enabled.path)
    assert [enabled.path(i, {}) for i in items] == [False, True, True]
    assert list(rt.explode({"fps": {}})) == []
