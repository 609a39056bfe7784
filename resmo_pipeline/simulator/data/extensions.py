"""Simulated installed extensions."""

from __future__ import annotations

from datetime import timedelta

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    iso,
)


class ExtensionsBuilder(BuilderBase):
    """Installed extensions."""

    def extension(self, publisher_id: str, publisher_name: str, extension_id: str, name: str, *,
                  version: str, scopes: list[str], last_published_days: float, built_in: bool = False,
                  decorator: bool = False) -> None:
        contributions = [{"id": f"{publisher_id}.{extension_id}.hub", "type": "ms.vss-web.hub",
                          "targets": ["ms.vss-code-web.code-hub-group"], "properties": {"name": name}}]
        if decorator:
            contributions.append({
                "id": f"{publisher_id}.{extension_id}.required-prejob-decorator",
                "type": "ms.azure-pipelines.pipeline-decorator",
                "targets": ["ms.azure-pipelines-agent-job.pre-job-tasks"],
                "properties": {"template": "decorator.yml"},
            })
        published = self.s.now - timedelta(days=last_published_days)
        self.s.extensions.append({
            "extensionId": extension_id,
            "extensionName": name,
            "publisherId": publisher_id,
            "publisherName": publisher_name,
            "version": version,
            "registrationId": self.guid(),
            "manifestVersion": 1,
            "baseUri": f"https://{publisher_id}.gallerycdn.vsassets.io/extensions/{publisher_id}/{extension_id}/"
                       f"{version}/{int(published.timestamp() * 1000)}",
            "fallbackBaseUri": f"https://{publisher_id}.gallery.vsassets.io/_apis/public/gallery/publisher/"
                               f"{publisher_id}/extension/{extension_id}/{version}/assetbyname",
            "scopes": scopes,
            "flags": "builtIn, trusted" if built_in else "none",
            "installState": {"flags": "builtIn" if built_in else "none",
                             "lastUpdated": iso(published + timedelta(days=1))},
            "lastPublished": iso(published),
            "contributions": contributions,
            "contributionTypes": [],
            "files": [{"assetType": "Microsoft.VisualStudio.Services.Manifest", "language": None,
                       "source": "extension.vsomanifest"}],
        })
