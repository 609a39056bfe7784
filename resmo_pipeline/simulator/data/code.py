"""Simulated repositories, refs and branch policies."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    BUILD_POLICY_TYPE,
    MIN_REVIEWERS_TYPE,
    POLICY_TYPES,
    REPO_WORDS,
)


class CodeBuilder(BuilderBase):
    """Repositories, refs and branch policies."""

    def repository(self, project: dict[str, Any], name: str, *, default_branch: str | None = "refs/heads/main",
                   disabled: bool = False, fork_of: dict[str, Any] | None = None, branches: int = 3,
                   size: int | None = None) -> dict[str, Any]:
        repo_id = self.guid()
        quoted = name.replace(" ", "%20")
        project_path = project["name"].replace(" ", "%20")
        repo: dict[str, Any] = {
            "id": repo_id,
            "name": name,
            "url": f"{self.s.base}/{project['id']}/_apis/git/repositories/{repo_id}",
            "project": {
                "id": project["id"],
                "name": project["name"],
                "url": f"{self.s.base}/_apis/projects/{project['id']}",
                "state": "wellFormed",
                "revision": project["revision"],
                "visibility": project["visibility"],
                "lastUpdateTime": project["lastUpdateTime"],
            },
            "size": size if size is not None else self.rng.randint(20_000, 80_000_000),
            "remoteUrl": f"https://{self.s.organization}@dev.azure.com/{self.s.organization}/{project_path}/_git/"
                         f"{quoted}",
            "sshUrl": f"git@ssh.dev.azure.com:v3/{self.s.organization}/{project_path}/{quoted}",
            "webUrl": f"{self.s.base}/{project_path}/_git/{quoted}",
            "isDisabled": disabled,
            "isInMaintenance": False,
            "isFork": fork_of is not None,
        }
        if default_branch and not disabled:
            repo["defaultBranch"] = default_branch
        if fork_of is not None:
            repo["parentRepository"] = {
                "id": fork_of["id"], "name": fork_of["name"], "url": fork_of["url"],
                "project": fork_of["project"], "isFork": False,
            }
        self.s.repositories.append(repo)
        creator = self.rng.choice(self._people()) if self._people() else None
        names = [default_branch] if default_branch else []
        names += [f"refs/heads/feature/{self.rng.choice(REPO_WORDS)}-{i}" for i in range(max(0, branches - 1))]
        if default_branch:
            names.append("refs/heads/release/1.0")
        self.s.refs[repo_id] = [self.ref(repo, ref_name, creator) for ref_name in sorted(set(names))]
        self.pipeline_permission(project, "repository", f"{project['id']}.{repo_id}", name)
        return repo

    def ref(self, repo: dict[str, Any], name: str, creator: str | None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "name": name,
            "objectId": self.sha(),
            "url": f"{self.s.base}/{repo['project']['id']}/_apis/git/repositories/{repo['id']}/refs?filter="
                   f"{name[5:].replace('/', '%2F')}",
        }
        if creator:
            item["creator"] = self.s.identity_ref(creator)
        return item

    def policy(self, project: dict[str, Any], type_id: str, settings: dict[str, Any], *, enabled: bool = True,
               blocking: bool = True) -> dict[str, Any]:
        policy_id = self.s.next_id("policy")
        type_name = next(t[1] for t in POLICY_TYPES if t[0] == type_id)
        creator = self._people()[0] if self._people() else self.collection_build_service
        item = {
            "createdBy": self.s.identity_ref(creator),
            "createdDate": self.ago(self.rng.uniform(30, 500)),
            "isEnabled": enabled,
            "isBlocking": blocking,
            "isDeleted": False,
            "isEnterpriseManaged": False,
            "settings": settings,
            "_links": {
                "self": {"href": f"{self.s.base}/{project['id']}/_apis/policy/configurations/{policy_id}"},
                "policyType": {"href": f"{self.s.base}/{project['id']}/_apis/policy/types/{type_id}"},
            },
            "revision": 1,
            "id": policy_id,
            "url": f"{self.s.base}/{project['id']}/_apis/policy/configurations/{policy_id}",
            "type": {"id": type_id, "url": f"{self.s.base}/{project['id']}/_apis/policy/types/{type_id}",
                     "displayName": type_name},
        }
        self.s.policy_configurations[project["id"]].append(item)
        return item

    def reviewers_policy(self, project: dict[str, Any], repo: dict[str, Any] | None, *, minimum: int = 2,
                         creator_counts: bool = False, reset: bool = True, enabled: bool = True,
                         blocking: bool = True) -> dict[str, Any]:
        return self.policy(project, MIN_REVIEWERS_TYPE, {
            "minimumApproverCount": minimum,
            "creatorVoteCounts": creator_counts,
            "allowDownvotes": False,
            "resetOnSourcePush": reset,
            "resetRejectionsOnSourcePush": False,
            "requireVoteOnLastIteration": True,
            "requireVoteOnEachIteration": False,
            "blockLastPusherVote": True,
            "scope": [self._scope(repo)],
        }, enabled=enabled, blocking=blocking)

    def build_policy(self, project: dict[str, Any], repo: dict[str, Any] | None, definition_id: int, *,
                     blocking: bool = True) -> dict[str, Any]:
        return self.policy(project, BUILD_POLICY_TYPE, {
            "buildDefinitionId": definition_id,
            "queueOnSourceUpdateOnly": True,
            "manualQueueOnly": False,
            "displayName": None,
            "validDuration": 720.0,
            "scope": [self._scope(repo)],
        }, blocking=blocking)

    @staticmethod
    def _scope(repo: dict[str, Any] | None) -> dict[str, Any]:
        if repo is None:
            return {"repositoryId": None, "matchKind": "DefaultBranch"}
        return {"refName": repo.get("defaultBranch", "refs/heads/main"), "matchKind": "Exact",
                "repositoryId": repo["id"]}

    # ---- pipelines ---------------------------------------------------------------------------------------
