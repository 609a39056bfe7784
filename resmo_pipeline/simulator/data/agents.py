"""Simulated agent pools, agents and agent queues."""

from __future__ import annotations

from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    b64,
)


class AgentsBuilder(BuilderBase):
    """Agent pools, agents and agent queues."""

    def pool(self, pool_id: int, name: str, *, hosted: bool, auto_provision: bool = False,
             auto_update: bool = True) -> dict[str, Any]:
        owner = self._people()[0] if self._people() else self.collection_build_service
        pool = {
            "createdOn": self.ago(900),
            "autoProvision": auto_provision,
            "autoUpdate": auto_update,
            "autoSize": hosted,
            "targetSize": None,
            "agentCloudId": 1 if hosted else None,
            "createdBy": self.s.identity_ref(owner),
            "owner": self.s.identity_ref(owner),
            "id": pool_id,
            "scope": self.s.org_id,
            "name": name,
            "isHosted": hosted,
            "poolType": "automation",
            "size": 0,
            "isLegacy": hosted,
            "options": "none",
        }
        self.s.pools.append(pool)
        self.s.agents[pool_id] = []
        return pool

    def agent(self, pool: dict[str, Any], name: str, user_capabilities: dict[str, str] | None = None) -> None:
        agent_id = sum(len(a) for a in self.s.agents.values()) + 1
        self.s.agents[pool["id"]].append({
            "_links": {"self": {"href": f"{self.s.base}/_apis/distributedtask/pools/{pool['id']}/agents/"
                                        f"{agent_id}"}},
            "maxParallelism": 1,
            "createdOn": self.ago(300),
            "authorization": {"clientId": self.guid(),
                              "publicKey": {"exponent": "AQAB", "modulus": b64(self.guid() * 4)}},
            "id": agent_id,
            "name": name,
            "version": "3.248.0",
            "osDescription": "Linux 5.15.0-1064-azure #73-Ubuntu SMP Tue Apr 30 14:24:24 UTC 2024",
            "enabled": True,
            "status": "online",
            "provisioningState": "Provisioned",
            "accessPoint": "CodexAccessMapping",
            "statusChangedOn": self.ago(2),
            "systemCapabilities": {
                "Agent.Name": name, "Agent.OS": "Linux", "Agent.OSArchitecture": "X64",
                "Agent.Version": "3.248.0", "Agent.HomeDirectory": "/home/azdo/agent",
                "java": "/usr/bin/java", "node.js": "/usr/bin/node", "docker": "/usr/bin/docker",
            },
            "userCapabilities": dict(user_capabilities or {}),
        })
        pool["size"] = len(self.s.agents[pool["id"]])

    def queue(self, project: dict[str, Any], pool: dict[str, Any]) -> dict[str, Any]:
        queue_id = self.s.next_id("queue")
        queue = {
            "id": queue_id,
            "projectId": project["id"],
            "name": pool["name"],
            "pool": {k: pool[k] for k in ("id", "scope", "name", "isHosted", "poolType", "size", "isLegacy",
                                           "options")},
        }
        self.s.queues[project["id"]].append(queue)
        self.project_queues[project["id"]][pool["name"]] = queue
        self.pipeline_permission(project, "queue", str(queue_id), pool["name"])
        return queue
