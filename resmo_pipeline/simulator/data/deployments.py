"""Simulated deployment groups and their deployment targets (machines running a deployment agent).

Each group has its own deployment pool (`poolType: deployment`); those pools are only referenced from the
groups, not listed with the agent pools. The demo's "web-prod-servers" holds an offline agent and one of an
outdated major version; one payments machine has a secret-looking user capability.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.constants import iso

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

CURRENT_AGENT_VERSION = "3.248.0"
OUTDATED_AGENT_VERSION = "2.210.1"
#: A user capability value of the demo that must never reach a row.
DEMO_CAPABILITY_SECRET = "CapabilitySecretValue!42"
#: Deployment pool ids start here, clear of the agent pools' ids.
FIRST_DEPLOYMENT_POOL_ID = 1000


class _Deployments:
    """Builds groups and machines with their own random source (other areas' data stays as it was)."""

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.s = b.s
        self.rng = random.Random(f"deployments:{self.s.organization.lower()}:{self.s.seed}")
        self.next_pool_id = FIRST_DEPLOYMENT_POOL_ID + max((p["id"] for p in self.s.pools), default=0)

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ago(self, days: float) -> str:
        return iso(self.s.now - timedelta(days=days, seconds=self.rng.randint(0, 3599)))

    def group(self, project: dict[str, Any], name: str, description: str = "") -> dict[str, Any]:
        group_id = self.s.next_id("deployment_group")
        pool_id = self.next_pool_id
        self.next_pool_id += 1
        group = {
            "id": group_id,
            "name": name,
            "description": description,
            "project": {"id": project["id"], "name": project["name"]},
            "pool": {"id": pool_id, "scope": self.s.org_id, "name": f"{project['name']}-{name}",
                     "isHosted": False, "poolType": "deployment", "size": 0},
            "machineCount": 0,
            "machineTags": [],
        }
        self.s.deployment_groups.setdefault(project["id"], []).append(group)
        self.s.deployment_targets[group_id] = []
        return group

    def machine(self, group: dict[str, Any], name: str, *, tags: list[str], version: str = CURRENT_AGENT_VERSION,
                status: str = "online", enabled: bool = True, windows: bool = False,
                result: str | None = "succeeded", definition: dict[str, Any] | None = None,
                busy: bool = False, user_capabilities: dict[str, str] | None = None) -> dict[str, Any]:
        agent_id = self.s.next_id("deployment_agent")
        pool_id = group["pool"]["id"]
        os_description = ("Microsoft Windows 10.0.20348 " if windows else
                          "Linux 5.15.0-1064-azure #73-Ubuntu SMP Tue Apr 30 14:24:24 UTC 2024")
        agent: dict[str, Any] = {
            "_links": {"self": {"href": f"{self.s.base}/_apis/distributedtask/pools/{pool_id}/agents/{agent_id}"}},
            "maxParallelism": 1,
            "createdOn": self.ago(self.rng.uniform(60, 800)),
            "statusChangedOn": self.ago(40 if status == "offline" else self.rng.uniform(0, 3)),
            "authorization": {"clientId": self.guid(), "publicKey": {"exponent": "AQAB", "modulus": "x" * 16}},
            "id": agent_id,
            "name": name,
            "version": version,
            "osDescription": os_description,
            "enabled": enabled,
            "status": status,
            "provisioningState": "Provisioned",
            "accessPoint": "CodexAccessMapping",
            "systemCapabilities": {"Agent.Name": name, "Agent.OS": "Windows_NT" if windows else "Linux",
                                   "Agent.Version": version, "Agent.OSArchitecture": "X64"},
            "userCapabilities": dict(user_capabilities or {}),
        }
        if result is not None:
            agent["lastCompletedRequest"] = self._request(group, agent, result, definition, finished=True)
        if busy:
            agent["assignedRequest"] = self._request(group, agent, None, definition, finished=False)
        machine = {"id": agent_id, "tags": list(tags), "agent": agent, "properties": {}}
        self.s.deployment_targets[group["id"]].append(machine)
        group["machineCount"] = group["pool"]["size"] = len(self.s.deployment_targets[group["id"]])
        group["machineTags"] = sorted({t for m in self.s.deployment_targets[group["id"]] for t in m["tags"]})
        return machine

    def _request(self, group: dict[str, Any], agent: dict[str, Any], result: str | None,
                 definition: dict[str, Any] | None, *, finished: bool) -> dict[str, Any]:
        request_id = self.s.next_id("deployment_request")
        queued = self.s.now - timedelta(days=self.rng.uniform(0.1, 30) if finished else 0.01)
        definition = definition or {"id": 1, "name": "release"}
        request: dict[str, Any] = {
            "requestId": request_id,
            "queueTime": iso(queued),
            "assignTime": iso(queued + timedelta(seconds=5)),
            "receiveTime": iso(queued + timedelta(seconds=7)),
            "serviceOwner": "0000000d-0000-8888-8000-000000000000",
            "hostId": self.s.org_id,
            "scopeId": group["project"]["id"],
            "planType": "Release",
            "planId": self.guid(),
            "jobId": self.guid(),
            "demands": [],
            "reservedAgent": {k: agent[k] for k in ("_links", "id", "name", "version", "osDescription", "enabled",
                                                     "status", "provisioningState", "accessPoint")},
            "definition": {"_links": {"web": {"href": f"{self.s.base}/{group['project']['id']}/_release?"
                                                      f"definitionId={definition['id']}"}},
                           "id": definition["id"], "name": definition["name"]},
            "owner": {"id": request_id, "name": f"Release-{request_id}"},
            "data": {"ParallelismTag": "Private", "IsScheduledKey": "False"},
            "poolId": group["pool"]["id"],
            "orchestrationId": self.guid(),
            "matchesAllAgentsInPool": False,
            "priority": 0,
        }
        if finished:
            request["finishTime"] = iso(queued + timedelta(minutes=self.rng.uniform(1, 20)))
            request["result"] = result
        return request


def _definition(b: Builder, project: dict[str, Any]) -> dict[str, Any] | None:
    definitions = b.s.release_definitions.get(project["id"]) or []
    return {"id": definitions[0]["id"], "name": definitions[0]["name"]} if definitions else None


def _demo(d: _Deployments, projects: list[dict[str, Any]]) -> None:
    def named(name: str) -> dict[str, Any]:
        return next((p for p in projects if p["name"] == name), projects[0])

    web, payments, data = named("Contoso Web"), named("Payments"), named("Data Platform")
    web_release, payments_release = _definition(d.b, web), _definition(d.b, payments)
    servers = d.group(web, "web-prod-servers", "IIS and nginx front ends of contoso.com")
    d.machine(servers, "web-prod-01", tags=["prod", "web"], definition=web_release, busy=True)
    d.machine(servers, "web-prod-02", tags=["prod", "web"], status="offline", result="failed",
              definition=web_release)
    d.machine(servers, "web-prod-legacy", tags=["prod", "legacy"], version=OUTDATED_AGENT_VERSION, windows=True,
              definition=web_release)
    vms = d.group(payments, "payments-vms", "Payment processing VMs")
    d.machine(vms, "pay-vm-01", tags=["prod", "pci"], definition=payments_release,
              user_capabilities={"DB_PASSWORD": DEMO_CAPABILITY_SECRET, "region": "westeurope"})
    d.machine(vms, "pay-vm-02", tags=["prod", "pci"], enabled=False, result=None)
    d.group(data, "data-staging", "Not used yet")


def _bulk(d: _Deployments, projects: list[dict[str, Any]]) -> None:
    rng = d.rng
    for index, project in enumerate(projects):
        if index % 3:
            continue
        definition = _definition(d.b, project)
        group = d.group(project, f"{project['name'].lower().replace(' ', '-')}-servers")
        for number in range(rng.randint(1, 4)):
            d.machine(group, f"{group['name']}-{number:02d}", tags=rng.sample(["prod", "test", "web", "db"], 2),
                      version=OUTDATED_AGENT_VERSION if rng.random() < 0.15 else CURRENT_AGENT_VERSION,
                      status="offline" if rng.random() < 0.1 else "online", definition=definition,
                      result=rng.choice(["succeeded", "succeeded", "failed", None]))


def populate_deployments(b: Builder, sizes: dict[str, int] | None) -> None:
    """Deployment groups and targets: the demo's examples, or a group in every third project."""
    d = _Deployments(b)
    projects = [p for p in b.s.projects if p.get("state") == "wellFormed"]
    if not projects:
        return
    if sizes is None:
        _demo(d, projects)
    else:
        _bulk(d, projects)
