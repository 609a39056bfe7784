"""Simulated audit-log entries."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from resmo_pipeline.simulator.data.builder import BuilderBase
from resmo_pipeline.simulator.data.constants import (
    iso,
)
from resmo_pipeline.simulator.data.state import OrgState


class AuditBuilder(BuilderBase):
    """Audit-log entries."""

    def audit(self, action_id: str, area: str, category: str, details: str, *, actor: str | None = None,
              project: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
              when: datetime | None = None) -> dict[str, Any]:
        """Append one audit-log entry (see `audit_entry`)."""
        entry = audit_entry(self.s, action_id, area, category, details, actor=actor or self._people()[0],
                            project=project, data=data, when=when or (
                                self.s.now - timedelta(days=self.rng.uniform(0, 6),
                                                       seconds=self.rng.randint(0, 3599))),
                            rng=self.rng)
        self.s.audit_log.append(entry)
        return entry



def audit_entry(state: OrgState, action_id: str, area: str, category: str, details: str, *, actor: str,
                project: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
                when: datetime | None = None, rng: random.Random | None = None) -> dict[str, Any]:
    """One audit-log entry exactly as the audit API decorates it (actor, scope, project, category names)."""
    when = when or datetime.now(UTC)
    subject = state.subjects[actor]
    seed_text = f"{action_id}{iso(when)}{len(state.audit_log)}"
    digest = hashlib.sha256(seed_text.encode()).hexdigest()
    correlation = str(uuid.UUID(digest[:32]))
    ticks = int((when - datetime(1, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
    entry: dict[str, Any] = {
        "id": f"{2518505063644965580 - ticks % 10**12};{len(state.audit_log) + 1:08x}-0000-8888-8000-000000000000;"
              f"{correlation}",
        "correlationId": correlation,
        "activityId": str(uuid.UUID(digest[32:64])),
        "actorCUID": subject["_id"],
        "actorUserId": subject["_id"],
        "actorClientId": subject.get("applicationId", "00000000-0000-0000-0000-000000000000"),
        "actorUPN": subject["principalName"],
        "authenticationMechanism": "AAD_Cookie" if subject["subjectKind"] == "user" else "ServicePrincipal",
        "timestamp": iso(when),
        "scopeType": "organization",
        "scopeDisplayName": f"{state.organization} (Organization)",
        "scopeId": state.org_id,
        "projectId": project["id"] if project else None,
        "projectName": project["name"] if project else None,
        "ipAddress": f"10.{(rng or random).randint(0, 255)}.{(rng or random).randint(0, 255)}.12",
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/124.0 Safari/537.36",
        "actionId": action_id,
        "data": dict(data or {}),
        "details": details,
        "area": area,
        "category": category,
        "categoryDisplayName": category.capitalize(),
        "actorDisplayName": subject["displayName"],
        "actorImageUrl": f"{state.base}/_apis/GraphProfile/MemberAvatars/{actor}",
    }
    return entry
