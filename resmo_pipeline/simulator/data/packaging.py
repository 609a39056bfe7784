"""Simulated Azure Artifacts settings: feed retention policies and organization-wide feed permissions.

`OrgState.feed_retention_policies` maps a feed id to its FeedRetentionPolicy; a feed without an entry has no
policy, which the service answers with a 404 (see routes_packaging.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder


def _policy(count_limit: int, days: int) -> dict[str, Any]:
    # ageLimitInDays is deprecated and not honoured; the service still returns it.
    return {"ageLimitInDays": None, "countLimit": count_limit, "daysToKeepRecentlyDownloadedPackages": days}


def populate_packaging(b: Builder, sizes: dict[str, int] | None) -> None:
    """Retention on most feeds (the demo's `web-packages` has none) and the global permissions in bulk presets."""
    s = b.s
    if sizes is None:
        chosen = {"contoso-shared": _policy(20, 30), "payments-internal": _policy(5000, 365)}
        for feed in s.feeds:
            if feed["name"] in chosen:
                s.feed_retention_policies[feed["id"]] = chosen[feed["name"]]
    else:
        for i, feed in enumerate(s.feeds):
            if i % 3:
                s.feed_retention_policies[feed["id"]] = _policy(b.rng.choice([10, 20, 50, 100]),
                                                                b.rng.choice([7, 30, 90]))
    if not s.feed_global_permissions:
        s.feed_global_permissions = [
            {"identityDescriptor": s.subjects[d]["_legacy"], "identityId": s.subjects[d]["_id"], "role": role}
            for d, role in ((b.pca, "administrator"), (b.pca, "feedCreator"), (b.pcvu, "feedCreator"))
        ]
