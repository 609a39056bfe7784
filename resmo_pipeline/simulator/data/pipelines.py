"""Simulated build and release definitions, pipeline permissions, environments and checks."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    APPROVAL_CHECK_TYPE,
    BRANCH_CONTROL_CHECK_TYPE,
    REQUIRED_TEMPLATE_CHECK_TYPE,
)


class PipelinesBuilder(BuilderBase):
    """Build and release definitions, pipeline permissions, environments and checks."""

    def build_definition(
        self,
        project: dict[str, Any],
        name: str,
        repo: dict[str, Any],
        *,
        yaml: bool = True,
        queue_name: str = "Azure Pipelines",
        job_scope: str = "project",
        variables: dict[str, dict[str, Any]] | None = None,
        fork: dict[str, bool] | None = None,
        variable_groups: list[int] | None = None,
        folder: str = "\\",
    ) -> dict[str, Any]:
        def_id = self.s.next_id("build_definition")
        queue = self.project_queues[project["id"]][queue_name]
        author = self._people()[0] if self._people() else self.build_service[project["id"]]
        triggers: list[dict[str, Any]] = [{
            "branchFilters": ["+refs/heads/main"], "pathFilters": [], "batchChanges": False,
            "maxConcurrentBuildsPerBranch": 1, "pollingInterval": 0, "triggerType": "continuousIntegration",
        }]
        if fork is not None:
            triggers.append({
                "settingsSourceType": 2 if yaml else 1,
                "branchFilters": ["+refs/heads/main"],
                "forks": {"enabled": fork.get("enabled", False), "allowSecrets": fork.get("allowSecrets", False),
                          "allowFullAccessToken": fork.get("allowFullAccessToken", False)},
                "pathFilters": [],
                "requireCommentsForNonTeamMembersOnly": False,
                "isCommentRequiredForPullRequest": False,
                "triggerType": "pullRequest",
            })
        url = f"{self.s.base}/{project['id']}/_apis/build/Definitions/{def_id}?revision=1"
        project_ref = {k: project[k] for k in ("id", "name", "url", "state", "revision", "visibility",
                                               "lastUpdateTime")}
        definition: dict[str, Any] = {
            "options": [],
            "triggers": triggers,
            "variables": dict(variables or {}),
            "variableGroups": [self._vg_ref(vg_id) for vg_id in variable_groups or []],
            "retentionRules": [],
            "properties": {},
            "tags": [],
            "_links": {
                "self": {"href": url},
                "web": {"href": f"{self.s.base}/{project['id']}/_build/definition?definitionId={def_id}"},
                "editor": {"href": f"{self.s.base}/{project['id']}/_build/designer?id={def_id}&_a=edit-build-"
                                   "definition"},
                "badge": {"href": f"{self.s.base}/{project['id']}/_apis/build/status/{def_id}"},
            },
            "buildNumberFormat": "$(date:yyyyMMdd)$(rev:.r)",
            "jobAuthorizationScope": job_scope,
            "jobTimeoutInMinutes": 60,
            "jobCancelTimeoutInMinutes": 5,
            "badgeEnabled": False,
            "process": ({"yamlFilename": "/azure-pipelines.yml", "type": 2} if yaml
                        else {"phases": [{"steps": [], "name": "Agent job 1", "refName": "Job_1",
                                          "condition": "succeeded()", "target": {"executionOptions": {"type": 0},
                                                                                 "allowScriptsAuthAccessOption":
                                                                                 False, "type": 1},
                                          "jobAuthorizationScope": job_scope}], "type": 1}),
            "repository": {
                "properties": {"cleanOptions": "0", "labelSources": "0", "reportBuildStatus": "true",
                               "fetchDepth": "1"},
                "id": repo["id"],
                "type": "TfsGit",
                "name": repo["name"],
                "url": repo["remoteUrl"],
                "defaultBranch": repo.get("defaultBranch", "refs/heads/main"),
                "clean": None,
                "checkoutSubmodules": False,
            },
            "quality": "definition",
            "authoredBy": self.s.identity_ref(author),
            "drafts": [],
            "queue": {"_links": {"self": {"href": f"{self.s.base}/_apis/build/Queues/{queue['id']}"}},
                      "id": queue["id"], "name": queue["name"],
                      "url": f"{self.s.base}/_apis/build/Queues/{queue['id']}",
                      "pool": {"id": queue["pool"]["id"], "name": queue["pool"]["name"],
                               "isHosted": queue["pool"]["isHosted"]}},
            "id": def_id,
            "name": name,
            "url": url,
            "uri": f"vstfs:///Build/Definition/{def_id}",
            "path": folder,
            "type": "build",
            "queueStatus": "enabled",
            "revision": 1,
            "createdDate": self.ago(self.rng.uniform(20, 600)),
            "project": project_ref,
        }
        self.s.build_definitions[project["id"]].append(definition)
        return definition

    def _vg_ref(self, vg_id: int) -> dict[str, Any]:
        group = next(g for g in self.s.variable_groups if g["id"] == vg_id)
        return {"variables": {}, "type": group["type"], "name": group["name"], "id": vg_id}

    def release_definition(self, project: dict[str, Any], name: str, stages: list[dict[str, Any]], *,
                           variables: dict[str, dict[str, Any]] | None = None,
                           artifact: dict[str, Any] | None = None) -> dict[str, Any]:
        """A classic release pipeline; each stage is {name, approvers ([] = automated), creator_can_approve}."""
        def_id = self.s.next_id("release_definition")
        creator = self._people()[0]
        queue = self.project_queues[project["id"]]["Azure Pipelines"]
        environments = []
        for rank, stage in enumerate(stages, start=1):
            env_id = self.s.next_id("release_environment")
            approvers = stage.get("approvers", [])
            approvals = ([{"rank": 1, "isAutomated": True, "isNotificationOn": False, "id": self.s.next_id("appr")}]
                         if not approvers else
                         [{"rank": i + 1, "isAutomated": False, "isNotificationOn": True,
                           "approver": self.s.identity_ref(d), "id": self.s.next_id("appr")}
                          for i, d in enumerate(approvers)])
            environments.append({
                "id": env_id,
                "name": stage["name"],
                "rank": rank,
                "owner": self.s.identity_ref(creator),
                "variables": dict(stage.get("variables", {})),
                "variableGroups": [],
                "preDeployApprovals": {
                    "approvals": approvals,
                    "approvalOptions": {
                        "requiredApproverCount": None if not approvers else 1,
                        "releaseCreatorCanBeApprover": stage.get("creator_can_approve", False),
                        "autoTriggeredAndPreviousEnvironmentApprovedCanBeSkipped": False,
                        "enforceIdentityRevalidation": False,
                        "timeoutInMinutes": 0,
                        "executionOrder": "beforeGates",
                    },
                },
                "deployStep": {"id": self.s.next_id("appr")},
                "postDeployApprovals": {"approvals": [{"rank": 1, "isAutomated": True, "isNotificationOn": False,
                                                       "id": self.s.next_id("appr")}],
                                        "approvalOptions": None},
                "deployPhases": [{"deploymentInput": {"queueId": queue["id"], "skipArtifactsDownload": False},
                                  "rank": 1, "phaseType": "agentBasedDeployment", "name": "Agent job",
                                  "workflowTasks": []}],
                "environmentOptions": {"emailNotificationType": "OnlyOnFailure", "skipArtifactsDownload": False,
                                       "timeoutInMinutes": 0, "enableAccessToken": False,
                                       "publishDeploymentStatus": True},
                "demands": [],
                "conditions": [{"name": "ReleaseStarted", "conditionType": "event", "value": ""}],
                "executionPolicy": {"concurrencyCount": 1, "queueDepthCount": 0},
                "schedules": [],
                "retentionPolicy": {"daysToKeep": 30, "releasesToKeep": 3, "retainBuild": True},
                "preDeploymentGates": {"id": 0, "gatesOptions": None, "gates": []},
                "postDeploymentGates": {"id": 0, "gatesOptions": None, "gates": []},
                "processParameters": {},
                "properties": {},
            })
        url = f"https://vsrm.dev.azure.com/{self.s.organization}/{project['id']}/_apis/Release/definitions/{def_id}"
        definition = {
            "source": "userInterface",
            "revision": 1,
            "description": None,
            "createdBy": self.s.identity_ref(creator),
            "createdOn": self.ago(self.rng.uniform(50, 400)),
            "modifiedBy": self.s.identity_ref(creator),
            "modifiedOn": self.ago(self.rng.uniform(1, 40)),
            "isDeleted": False,
            "variables": dict(variables or {}),
            "variableGroups": [],
            "environments": environments,
            "artifacts": [artifact] if artifact else [],
            "triggers": [],
            "releaseNameFormat": "Release-$(rev:r)",
            "tags": [],
            "properties": {},
            "id": def_id,
            "name": name,
            "path": "\\",
            "projectReference": {"id": project["id"], "name": project["name"]},
            "url": url,
            "_links": {"self": {"href": url},
                       "web": {"href": f"{self.s.base}/{project['id']}/_release?definitionId={def_id}"}},
        }
        self.s.release_definitions[project["id"]].append(definition)
        return definition

    # ---- protected resources -----------------------------------------------------------------------------

    def pipeline_permission(self, project: dict[str, Any], resource_type: str, resource_id: str, name: str,
                            *, all_pipelines: bool = False, pipelines: list[int] | None = None) -> None:
        actor = self._people()[0] if self._people() else None
        body: dict[str, Any] = {"resource": {"type": resource_type, "id": resource_id, "name": name},
                                "pipelines": []}
        if all_pipelines:
            body["allPipelines"] = {
                "authorized": True,
                "authorizedBy": self.s.identity_ref(actor) if actor else None,
                "authorizedOn": self.ago(self.rng.uniform(10, 300)),
            }
        for pipeline_id in pipelines or []:
            body["pipelines"].append({"id": pipeline_id, "authorized": True,
                                      "authorizedBy": self.s.identity_ref(actor) if actor else None,
                                      "authorizedOn": self.ago(self.rng.uniform(1, 200))})
        self.s.pipeline_permissions[(project["id"], resource_type.lower(), resource_id.lower())] = body

    def environment(self, project: dict[str, Any], name: str, *, all_pipelines: bool = False) -> dict[str, Any]:
        owner = self._people()[0]
        env_id = self.s.next_id("environment")
        item = {"id": env_id, "name": name, "description": f"{name} environment",
                "createdBy": self.s.identity_ref(owner), "createdOn": self.ago(self.rng.uniform(30, 400)),
                "lastModifiedBy": self.s.identity_ref(owner), "lastModifiedOn": self.ago(self.rng.uniform(1, 30)),
                "project": {"id": project["id"], "name": project["name"]}, "resources": []}
        self.s.environments[project["id"]].append(item)
        self.pipeline_permission(project, "environment", str(env_id), name, all_pipelines=all_pipelines)
        return item

    def check(self, project: dict[str, Any], resource_type: str, resource_id: str, resource_name: str, *,
              approvers: list[str] | None = None, requester_cannot_approve: bool = True,
              branch_control: str | None = None,
              required_template: tuple[str, str, str] | None = None) -> dict[str, Any]:
        """An Approval check (approvers = descriptors); with `branch_control`, a Branch control check; with
        `required_template` (repository name, ref, template path), a Required template check."""
        check_id = self.s.next_id("check")
        actor = self._people()[0]
        url = f"{self.s.base}/{project['id']}/_apis/pipelines/checks/configurations/{check_id}"
        if branch_control is not None:
            check_type = BRANCH_CONTROL_CHECK_TYPE
            settings: dict[str, Any] = {
                "displayName": "Branch control",
                "definitionRef": {"id": "86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b", "name": "evaluatebranchProtection",
                                  "version": "0.0.1"},
                "inputs": {"allowedBranches": branch_control, "ensureProtectionOfBranch": "true",
                           "allowUnknownStatusBranch": "false"},
                "retryInterval": 5,
            }
            timeout = 1440
        elif required_template is not None:
            check_type = REQUIRED_TEMPLATE_CHECK_TYPE
            repository, ref, template_path = required_template
            settings = {"extendsChecks": [{"repositoryType": "git", "repositoryName": repository,
                                           "repositoryRef": ref, "templatePath": template_path}]}
            timeout = 1440
        else:
            check_type = APPROVAL_CHECK_TYPE
            settings = {
                "approvers": [self._approver(d) for d in approvers or []],
                "executionOrder": "anyOrder",
                "minRequiredApprovers": 1,
                "instructions": "Approve production deployments after change review.",
                "blockedApprovers": [],
                "requesterCannotBeApprover": requester_cannot_approve,
            }
            timeout = 43200
        item = {
            "settings": settings,
            "createdBy": self.s.identity_ref(actor),
            "createdOn": self.ago(self.rng.uniform(10, 200)),
            "modifiedBy": self.s.identity_ref(actor),
            "modifiedOn": self.ago(self.rng.uniform(1, 10)),
            "timeout": timeout,
            "_links": {"self": {"href": url}},
            "id": check_id,
            "version": 1,
            "type": dict(check_type),
            "url": url,
            "resource": {"type": resource_type, "id": resource_id, "name": resource_name},
            "isDisabled": False,
        }
        self.s.check_configurations[project["id"]].append(item)
        return item

    def _approver(self, descriptor: str) -> dict[str, Any]:
        ref = self.s.identity_ref(descriptor)
        return {k: ref[k] for k in ("displayName", "id", "uniqueName", "descriptor", "imageUrl", "url")}

    # ---- security, audit, artifacts, extensions ------------------------------------------------------------
