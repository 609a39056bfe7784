"""Simulated access control lists."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    NAMESPACE_IDS,
)


class SecurityBuilder(BuilderBase):
    """Access control lists."""

    def acl(self, namespace: str, token: str, aces: list[tuple[str, int, int]], inherit: bool = True) -> None:
        """An ACL in a namespace; aces = (graph descriptor, allow, deny) keyed by legacy descriptors."""
        dictionary = {}
        for descriptor, allow, deny in aces:
            legacy = self.s.subjects[descriptor]["_legacy"]
            dictionary[legacy] = {"descriptor": legacy, "allow": allow, "deny": deny,
                                  "extendedInfo": {"effectiveAllow": allow, "effectiveDeny": deny}}
        self.s.acls.setdefault(NAMESPACE_IDS[namespace], []).append(
            {"inheritPermissions": inherit, "token": token, "acesDictionary": dictionary})

    def add_aces(self, namespace: str, token: str, aces: list[tuple[str, int, int]]) -> None:
        """Add entries to the existing ACL of a token (a second ACL for one token would be ambiguous)."""
        acl = next(a for a in self.s.acls[NAMESPACE_IDS[namespace]] if a["token"] == token)
        for descriptor, allow, deny in aces:
            legacy = self.s.subjects[descriptor]["_legacy"]
            acl["acesDictionary"][legacy] = {"descriptor": legacy, "allow": allow, "deny": deny,
                                             "extendedInfo": {"effectiveAllow": allow, "effectiveDeny": deny}}

    def acl_project(self, project: dict[str, Any]) -> None:
        groups = self.project_groups[project["id"]]
        service = self.build_service[project["id"]]
        pid = project["id"]
        self.acl("Git Repositories", f"repoV2/{pid}", [
            (groups["admins"], 65535, 0), (groups["contributors"], 16502, 0), (groups["readers"], 2, 0),
            (service, 16502, 0),
        ])
        self.acl("Build", pid, [(groups["admins"], 32767, 0), (groups["build_admins"], 32767, 0),
                                (groups["contributors"], 3281, 0), (groups["readers"], 1025, 0), (service, 1153, 0)])
        self.acl("Project", f"$PROJECT:vstfs:///Classification/TeamProject/{pid}", [
            (groups["admins"], 16777215, 0), (groups["contributors"], 1, 0), (groups["readers"], 1, 0),
            (groups["valid"], 1, 0)])
        self.acl("ServiceEndpoints", f"endpoints/{pid}", [(groups["admins"], 31, 0), (groups["contributors"], 17, 0)])
        self.acl("Library", f"Library/{pid}", [(groups["admins"], 63, 0), (groups["contributors"], 21, 0)])
        self.acl("Environment", f"Environments/{pid}", [(groups["admins"], 63, 0), (groups["contributors"], 49, 0)])
        self.acl("Identity", pid, [(groups["admins"], 31, 0)])
