"""Simulated feeds and their permissions."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase


class ArtifactsBuilder(BuilderBase):
    """Feeds and their permissions."""

    def feed(self, project: dict[str, Any] | None, name: str,
             permissions: list[tuple[str, str]], *, upstream: bool = True) -> dict[str, Any]:
        """A feed; permissions = (role, descriptor)."""
        feed_id = self.guid()
        host = f"https://feeds.dev.azure.com/{self.s.organization}"
        item = {
            "id": feed_id,
            "name": name,
            "description": f"{name} packages",
            "url": f"{host}/{project['id'] + '/' if project else ''}_apis/Packaging/Feeds/{feed_id}",
            "_links": {"self": {"href": f"{host}/_apis/Packaging/Feeds/{feed_id}"}},
            "project": {"id": project["id"], "name": project["name"], "visibility": project["visibility"]}
            if project else None,
            "upstreamEnabled": upstream,
            "upstreamSources": ([{"id": self.guid(), "name": "npmjs", "protocol": "npm",
                                  "location": "https://registry.npmjs.org/", "displayLocation":
                                  "https://registry.npmjs.org/", "upstreamSourceType": "public", "status": "ok"}]
                                if upstream else []),
            "badgesEnabled": False,
            "hideDeletedPackageVersions": True,
            "isReadOnly": False,
            "capabilities": "upstreamV2",
            "defaultViewId": self.guid(),
            "fullyQualifiedId": feed_id,
            "fullyQualifiedName": name,
            "upstreamEnabledChangedDate": None,
            "viewId": None,
            "viewName": None,
        }
        self.s.feeds.append(item)
        self.s.feed_permissions[feed_id] = [
            {"role": role, "identityDescriptor": self.s.subjects[d]["_legacy"],
             "identityId": self.s.subjects[d]["_id"], "displayName": self.s.subjects[d]["principalName"],
             "isInheritedRole": False}
            for role, d in permissions
        ]
        return item
