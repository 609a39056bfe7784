"""Simulated users, service identities, service principals, groups, memberships and PATs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    NEVER,
    b64,
    iso,
)


class IdentityBuilder(BuilderBase):
    """Users, service identities, service principals, groups, memberships and PATs."""

    def user(
        self,
        display_name: str,
        upn: str,
        *,
        origin: str = "aad",
        meta_type: str = "member",
        license_type: str = "express",
        last_access_days: float | None = 1.0,
        created_days: float = 400.0,
        pats: list[tuple[str, str, int]] | None = None,
    ) -> str:
        """A person: graph user, identity and user entitlement. Returns the descriptor.

        `last_access_days=None` means never signed in (lastAccessedDate `0001-01-01T00:00:00Z`).
        `pats` are (display name, scope, days until validTo; negative = expired).
        """
        origin_id = self.guid()
        identity_id = self.guid()
        prefix = "aad" if origin == "aad" else "msa"
        descriptor = f"{prefix}.{b64(origin_id)}"
        legacy = (
            f"Microsoft.IdentityModel.Claims.ClaimsIdentity;{self.s.tenant_id}\\{upn}"
            if origin == "aad"
            else f"Microsoft.IdentityModel.Claims.ClaimsIdentity;{upn}"
        )
        self._register({
            "subjectKind": "user",
            "metaType": meta_type,
            "domain": self.s.tenant_id if origin == "aad" else "Windows Live ID",
            "principalName": upn,
            "mailAddress": upn,
            "origin": origin,
            "originId": origin_id,
            "displayName": display_name,
            "directoryAlias": upn.split("@")[0] if origin == "aad" else None,
            "isDeletedInOrigin": False,
            "descriptor": descriptor,
            "_id": identity_id,
            "_legacy": legacy,
        })
        if origin == "aad":
            self.people.append(descriptor)
        self.s.entitlements[descriptor] = {
            "license": license_type,
            "lastAccessedDate": NEVER if last_access_days is None else self.ago(last_access_days),
            "dateCreated": self.ago(created_days),
            "status": "active",
        }
        for name, scope, valid_days in pats or []:
            self.pat(descriptor, name, scope, valid_days)
        return descriptor

    def pat(self, descriptor: str, name: str, scope: str, valid_days: int) -> None:
        """A personal access token of a user, as the token admin API lists it (no secret)."""
        subject = self.s.subjects[descriptor]
        valid_to = self.s.now + timedelta(days=valid_days)
        self.s.pats.setdefault(descriptor, []).append({
            "clientId": "00000000-0000-0000-0000-000000000000",
            "accessId": self.guid(),
            "authorizationId": self.guid(),
            "hostAuthorizationId": self.guid(),
            "userId": subject["_id"],
            "validFrom": iso(valid_to - timedelta(days=max(valid_days, 30) + 30)),
            "validTo": iso(valid_to),
            "displayName": name,
            "scope": scope,
            "targetAccounts": [self.s.org_id],
            "token": None,
            "alternateToken": None,
            "isValid": valid_days > 0,
            "isPublic": False,
            "publicData": None,
            "source": None,
            "claims": None,
        })

    def service_identity(self, display_name: str, project_id: str | None) -> str:
        """A build service identity (`svc.` descriptor) for a project or the whole collection."""
        identity_id = self.guid()
        scope = project_id or self.s.org_id
        inner = f"{identity_id}:Build:{scope}"
        descriptor = f"svc.{b64(inner)}"
        return self._register({
            "subjectKind": "user",
            "metaType": "member",
            "domain": "Build",
            "principalName": identity_id,
            "mailAddress": "",
            "origin": "vsts",
            "originId": identity_id,
            "displayName": display_name,
            "directoryAlias": None,
            "isDeletedInOrigin": False,
            "descriptor": descriptor,
            "_id": identity_id,
            "_legacy": f"Microsoft.TeamFoundation.ServiceIdentity;{inner}",
        })["descriptor"]

    def service_principal(self, display_name: str, application_id: str | None = None,
                          object_id: str | None = None) -> str:
        """An Entra service principal added to the organization (`aadsp.` descriptor)."""
        object_id = object_id or self.guid()
        application_id = application_id or self.guid()
        descriptor = f"aadsp.{b64(object_id)}"
        return self._register({
            "subjectKind": "servicePrincipal",
            "applicationId": application_id,
            "domain": self.s.tenant_id,
            "principalName": object_id,
            "mailAddress": None,
            "origin": "aad",
            "originId": object_id,
            "displayName": display_name,
            "directoryAlias": object_id,
            "isDeletedInOrigin": False,
            "descriptor": descriptor,
            "_id": self.guid(),
            "_legacy": f"Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;{self.s.tenant_id}\\{object_id}",
        })["descriptor"]

    def group(self, name: str, description: str, project: dict[str, Any] | None = None, *,
              aad: bool = False) -> str:
        """An Azure DevOps group (`vssgp.`), scoped to a project or the collection, or an Entra group (`aadgp.`)."""
        self.sid_counter += 1
        if aad:
            origin_id = self.guid()
            descriptor = f"aadgp.{b64(origin_id)}"
            return self._register({
                "subjectKind": "group",
                "description": description,
                "domain": self.s.tenant_id,
                "principalName": f"[TEAM FOUNDATION]\\{name}",
                "mailAddress": f"{name.lower().replace(' ', '-')}@{self.s.organization}.onmicrosoft.com",
                "origin": "aad",
                "originId": origin_id,
                "displayName": name,
                "isCrossProject": False,
                "descriptor": descriptor,
                "_id": self.guid(),
                "_legacy": f"Microsoft.TeamFoundation.Identity;S-1-9-1551374245-{self.sid_counter:010d}-aad",
                "_scope": None,
            })["descriptor"]
        sid = (f"S-1-9-1551374245-{int(self.s.org_id[:8], 16)}-{self.rng.getrandbits(31)}-"
               f"{self.rng.getrandbits(31)}-{self.sid_counter}")
        scope_name = project["name"] if project else self.s.organization
        identity_id = self.guid()
        return self._register({
            "subjectKind": "group",
            "description": description,
            "domain": (f"vstfs:///Classification/TeamProject/{project['id']}" if project
                       else f"vstfs:///Framework/IdentityDomain/{self.s.org_id}"),
            "principalName": f"[{scope_name}]\\{name}",
            "mailAddress": None,
            "origin": "vsts",
            "originId": identity_id,
            "displayName": name,
            "isCrossProject": False,
            "descriptor": f"vssgp.{b64(sid)}",
            "_id": identity_id,
            "_legacy": f"Microsoft.TeamFoundation.Identity;{sid}",
            "_scope": project["id"] if project else None,
        })["descriptor"]

    def member(self, container: str, member: str) -> None:
        self.s.add_membership(container, member)

    # ---- organization skeleton -------------------------------------------------------------------------

    def collection_groups(self) -> None:
        self.pca = self.group("Project Collection Administrators",
                              "Members of this application group can perform all privileged operations on the "
                              "Team Project Collection.")
        self.pcbsa = self.group("Project Collection Build Service Accounts",
                                "Members of this group should include accounts for people that should be able to "
                                "run build services for the collection.")
        self.pcsa = self.group("Project Collection Service Accounts",
                               "This application group should only be used for service accounts.")
        self.group("Project Collection Build Administrators",
                   "Members of this group should include accounts for people that should be able to administer "
                   "the build resources.")
        self.group("Project Collection Test Service Accounts",
                   "Members of this group should include the service accounts used by the test controllers.")
        self.pcvu = self.group("Project Collection Valid Users",
                               "This application group contains all users and groups that have access to the Team "
                               "Project Collection.")
        self.group("Security Service Group", "Identities which are granted explicit permission to a resource "
                                             "will be automatically added to this group if they were not "
                                             "previously a member of any other group.")
        esa_sid = "S-1-9-1551374245-3746288187-1018993766-2427446488-3-0-0-0-0-2"
        esa = self._register({
            "subjectKind": "group",
            "description": "Members of this group have service-level permissions for this instance.",
            "domain": "vstfs:///Framework/IdentityDomain/00000000-0000-0000-0000-000000000000",
            "principalName": "[TEAM FOUNDATION]\\Enterprise Service Accounts",
            "mailAddress": None,
            "origin": "vsts",
            "originId": self.guid(),
            "displayName": "Enterprise Service Accounts",
            "isCrossProject": False,
            "descriptor": f"vssgp.{b64(esa_sid)}",
            "_id": self.guid(),
            "_legacy": f"Microsoft.TeamFoundation.Identity;{esa_sid}",
            "_scope": None,
        })
        self.member(self.pcsa, esa["descriptor"])
        self.collection_build_service = self.service_identity(
            f"Project Collection Build Service ({self.s.organization})", None)
        self.member(self.pcbsa, self.collection_build_service)
        self.hosted_pool = self.pool(1, "Azure Pipelines", hosted=True)
        self.pool(2, "Default", hosted=False)
