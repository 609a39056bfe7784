"""Simulated projects, teams and team members."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    AGILE_TEMPLATE,
    PROD_PIPELINE_SETTINGS_SECURE,
)


class CoreBuilder(BuilderBase):
    """Projects, teams and team members."""

    def project(self, name: str, description: str, *, visibility: str = "private",
                template: tuple[str, str] = AGILE_TEMPLATE, settings: dict[str, Any] | None = None,
                created_days: float = 700) -> dict[str, Any]:
        """A project with its default team, permission groups, build service and pipeline settings."""
        project_id = self.guid()
        team_id = self.guid()
        project = {
            "id": project_id,
            "name": name,
            "description": description,
            "url": f"{self.s.base}/_apis/projects/{project_id}",
            "state": "wellFormed",
            "revision": self.rng.randint(10, 900),
            "visibility": visibility,
            "lastUpdateTime": self.ago(self.rng.uniform(1, 60)),
            "_template": template,
            "_defaultTeam": team_id,
            "_created": self.ago(created_days),
        }
        self.s.projects.append(project)
        self.s.project_properties[project_id] = [
            {"name": "System.CurrentProcessTemplateId", "value": template[1]},
            {"name": "System.OriginalProcessTemplateId", "value": template[1]},
            {"name": "System.ProcessTemplateType", "value": template[1]},
            {"name": "System.Process Template", "value": template[0]},
            {"name": "System.Microsoft.TeamFoundation.Team.Default", "value": team_id},
            {"name": "System.SourceControlCapabilityFlags", "value": "2"},
            {"name": "System.SourceControlGitEnabled", "value": "True"},
            {"name": "System.SourceControlGitPermissionsInitialized", "value": "True"},
        ]
        groups = {
            "admins": self.group("Project Administrators", "Members of this group can perform all operations in "
                                                           "the team project.", project),
            "contributors": self.group("Contributors", "Members of this group can add, modify, and delete items "
                                                       "within the team project.", project),
            "readers": self.group("Readers", "Members of this group have access to the team project.", project),
            "build_admins": self.group("Build Administrators", "Members of this group can create, modify and "
                                                              "delete build definitions and manage queued and "
                                                              "completed builds.", project),
            "valid": self.group("Project Valid Users", "This group contains all users and groups that have "
                                                       "access to the team project.", project),
        }
        self.project_groups[project_id] = groups
        for key in ("admins", "contributors", "readers", "build_admins"):
            self.member(groups["valid"], groups[key])
        self.member(self.pcvu, groups["valid"])
        self.s.teams[project_id] = []
        self.team(project, f"{name} Team", "The default project team.", team_id=team_id)
        self.member(groups["contributors"], self.s.teams[project_id][0]["_descriptor"])
        service = self.service_identity(f"{name} Build Service ({self.s.organization})", project_id)
        self.build_service[project_id] = service
        self.member(self.pcbsa, service)
        merged = dict(PROD_PIPELINE_SETTINGS_SECURE)
        merged.update(settings or {})
        self.s.pipeline_settings[project_id] = merged
        for kind in ("build_definitions", "policy_configurations", "release_definitions", "check_configurations",
                     "secure_files", "environments", "queues"):
            getattr(self.s, kind).setdefault(project_id, [])
        self.project_queues[project_id] = {}
        self.queue(project, self.hosted_pool)
        self.acl_project(project)
        return project

    def team(self, project: dict[str, Any], name: str, description: str, *, team_id: str | None = None) -> str:
        descriptor = self.group(name, description, project)
        subject = self.s.subjects[descriptor]
        if team_id:
            self.s.subject_by_id.pop(subject["_id"], None)
            subject["_id"] = team_id
            self.s.subject_by_id[team_id] = descriptor
        tid = subject["_id"]
        self.s.teams[project["id"]].append({
            "id": tid,
            "name": name,
            "url": f"{self.s.base}/_apis/projects/{project['id']}/teams/{tid}",
            "description": description,
            "identityUrl": f"{self.s.vssps}/_apis/Identities/{tid}",
            "projectName": project["name"],
            "projectId": project["id"],
            "_descriptor": descriptor,
        })
        self.s.team_members[tid] = []
        return tid

    def team_member(self, team_id: str, descriptor: str, admin: bool = False) -> None:
        """Add a person to a team once; adding them again only ever raises them to team admin."""
        team_descriptor = self.s.subject_by_id[team_id]
        self.member(team_descriptor, descriptor)
        ref = self.s.identity_ref(descriptor)
        existing = next((m for m in self.s.team_members[team_id] if m["identity"]["id"] == ref["id"]), None)
        if existing is not None:
            existing["isTeamAdmin"] = existing["isTeamAdmin"] or admin
            return
        self.s.team_members[team_id].append({
            "isTeamAdmin": admin,
            "identity": {k: ref[k] for k in ("displayName", "url", "_links", "id", "uniqueName", "imageUrl",
                                             "descriptor")},
        })

    # ---- code ------------------------------------------------------------------------------------------
