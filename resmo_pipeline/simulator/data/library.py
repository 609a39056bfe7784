"""Simulated service connections, variable groups and secure files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    iso,
)


class LibraryBuilder(BuilderBase):
    """Service connections, variable groups and secure files."""

    def service_endpoint(
        self,
        projects: list[dict[str, Any]],
        name: str,
        endpoint_type: str,
        scheme: str,
        *,
        parameters: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        url: str = "https://management.azure.com/",
        all_pipelines: bool = False,
        last_used_days: float | None = 1.0,
        pipelines: list[int] | None = None,
    ) -> dict[str, Any]:
        endpoint_id = self.guid()
        owner = self._people()[0]
        endpoint = {
            "data": dict(data or {}),
            "id": endpoint_id,
            "name": name,
            "type": endpoint_type,
            "url": url,
            "createdBy": self.s.identity_ref(owner),
            "description": "",
            "authorization": {"parameters": dict(parameters or {}), "scheme": scheme},
            "isShared": len(projects) > 1,
            "isReady": True,
            "owner": "Library",
            "operationStatus": {"state": "Ready", "statusMessage": ""},
            "serviceEndpointProjectReferences": [
                {"projectReference": {"id": p["id"], "name": p["name"]}, "name": name, "description": ""}
                for p in projects
            ],
        }
        self.s.service_endpoints.append(endpoint)
        for project in projects:
            self.pipeline_permission(project, "endpoint", endpoint_id, name, all_pipelines=all_pipelines,
                                     pipelines=pipelines)
        history = []
        if last_used_days is not None:
            project = projects[0]
            definitions = self.s.build_definitions.get(project["id"]) or []
            for n in range(2):
                finish = self.s.now - timedelta(days=last_used_days + n * 3, minutes=self.rng.randint(0, 600))
                definition = definitions[0] if definitions else None
                history.append({"data": {
                    "id": self.rng.randint(1000, 99999),
                    "planType": "Build",
                    "scopeId": project["id"],
                    "planId": self.guid(),
                    "definition": ({"id": definition["id"], "name": definition["name"]} if definition
                                   else {"id": 0, "name": ""}),
                    "owner": {"id": self.rng.randint(100, 9999), "name": f"{self.rng.randint(1000, 9999)}"},
                    "startTime": iso(finish - timedelta(minutes=4)),
                    "finishTime": iso(finish),
                    "result": "succeeded",
                }, "endpointId": endpoint_id})
        self.s.endpoint_history[endpoint_id] = history
        return endpoint

    def azurerm(self, projects: list[dict[str, Any]], name: str, *, wif: bool, scope_level: str = "Subscription",
                resource_group: str | None = None, **kwargs: Any) -> dict[str, Any]:
        subscription = self.guid()
        parameters: dict[str, Any] = {"tenantid": self.s.tenant_id, "serviceprincipalid": self.guid(),
                                      "authenticationType": "spnKey" if not wif else None}
        if wif:
            parameters = {"tenantid": self.s.tenant_id, "serviceprincipalid": self.guid(),
                          "workloadIdentityFederationIssuer": f"https://login.microsoftonline.com/"
                                                              f"{self.s.tenant_id}/v2.0",
                          "workloadIdentityFederationSubject": f"sc://{self.s.organization}/"
                                                               f"{projects[0]['name']}/{name}"}
        else:
            parameters["serviceprincipalkey"] = None
        data: dict[str, Any] = {"environment": "AzureCloud", "scopeLevel": scope_level,
                                "creationMode": "Automatic" if wif else "Manual"}
        if scope_level == "ManagementGroup":
            data.update({"managementGroupId": f"mg-{name}", "managementGroupName": f"MG {name}"})
            parameters["scope"] = f"/providers/Microsoft.Management/managementGroups/mg-{name}"
        else:
            data.update({"subscriptionId": subscription, "subscriptionName": f"{name}-subscription"})
            parameters["scope"] = (f"/subscriptions/{subscription}/resourcegroups/{resource_group}"
                                   if resource_group else f"/subscriptions/{subscription}")
        return self.service_endpoint(projects, name, "azurerm",
                                     "WorkloadIdentityFederation" if wif else "ServicePrincipal",
                                     parameters={k: v for k, v in parameters.items()
                                                 if v is not None or k == "serviceprincipalkey"},
                                     data=data, **kwargs)

    def variable_group(self, projects: list[dict[str, Any]], name: str, variables: dict[str, dict[str, Any]], *,
                       key_vault: dict[str, Any] | None = None, all_pipelines: bool = False,
                       description: str = "") -> dict[str, Any]:
        vg_id = self.s.next_id("variable_group")
        owner = self._people()[0]
        group: dict[str, Any] = {
            "variables": {k: dict(v) for k, v in variables.items()},
            "id": vg_id,
            "type": "AzureKeyVault" if key_vault else "Vsts",
            "name": name,
            "description": description,
            "createdBy": self.s.identity_ref(owner),
            "createdOn": self.ago(self.rng.uniform(30, 600)),
            "modifiedBy": self.s.identity_ref(owner),
            "modifiedOn": self.ago(self.rng.uniform(1, 30)),
            "isShared": len(projects) > 1,
            "variableGroupProjectReferences": [
                {"projectReference": {"id": p["id"], "name": p["name"]}, "name": name, "description": description}
                for p in projects
            ],
        }
        if key_vault:
            group["providerData"] = key_vault
        for value in group["variables"].values():
            if value.get("isSecret"):
                value["value"] = None
        self.s.variable_groups.append(group)
        for project in projects:
            self.pipeline_permission(project, "variablegroup", str(vg_id), name, all_pipelines=all_pipelines)
        return group

    def secure_file(self, project: dict[str, Any], name: str, *, all_pipelines: bool = False) -> dict[str, Any]:
        owner = self._people()[0]
        item = {"id": self.guid(), "name": name, "properties": {}, "createdBy": self.s.identity_ref(owner),
                "createdOn": self.ago(self.rng.uniform(20, 300)), "modifiedBy": self.s.identity_ref(owner),
                "modifiedOn": self.ago(self.rng.uniform(1, 20)), "ticket": None}
        self.s.secure_files[project["id"]].append(item)
        self.pipeline_permission(project, "securefile", item["id"], name, all_pipelines=all_pipelines)
        return item
