"""Pieces both presets use: pipeline variables, audit streams and a seeded audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder


SECRET_LIKE = {
    "storage_connection": "DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey="
                          "q7ZbYw3kX9vJt2LmN8pR4sT6uV0wX1yZ2aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5aB6cD7eF8gH9iJ==;"
                          "EndpointSuffix=core.windows.net",
    "github_token": "ghp_4f8Kx2LmQ9vRt6YwZ1aB3cD5eF7gH9iJ0kL2",
    "password": "Sup3rS3cret!Passw0rd",
    "pat": "k3v7q2w9x4y8z1a5b6c0d2e4f6g8h0i1j3k5l7m9n0p2q4r6s8t1",
}


def var(value: str | None, *, secret: bool = False, override: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {"value": None if secret else value, "allowOverride": override}
    if secret:
        item["isSecret"] = True
    return item




def stream(b: Builder, stream_id: int, name: str, consumer: str, status: str,
            inputs: dict[str, str]) -> dict[str, Any]:
    return {"id": stream_id, "consumerType": consumer, "consumerInputs": inputs, "status": status,
            "statusReason": "" if status == "enabled" else "Disabled by user",
            "createdTime": b.ago(300), "updatedTime": b.ago(10), "displayName": name}


AUDIT_SAMPLES: list[tuple[str, str, str, str]] = [
    ("Git.RepositoryCreated", "Git", "create", "Created repository {x}."),
    ("Git.RefUpdatePoliciesBypassed", "Git", "modify", "Bypassed policies on {x}."),
    ("Policy.PolicyConfigModified", "Policy", "modify", "Modified branch policy on {x}."),
    ("Library.ServiceConnectionExecuted", "Library", "execute", "Service connection {x} was used."),
    ("Pipelines.RunCompleted", "Pipelines", "execute", "Run of {x} completed."),
    ("Token.PatCreateEvent", "Token", "create", "Personal Access Token created."),
    ("Group.UpdateGroupMembership.Add", "Group", "modify", "Added a member to {x}."),
    ("Security.ModifyPermission", "Security", "modify", "Permissions changed on {x}."),
    ("Project.AreaPath.Create", "Project", "create", "Area path created in {x}."),
    ("Extension.Installed", "Extension", "create", "Extension installed."),
]


def seed_audit(b: Builder, projects: list[dict[str, Any]], actors: list[str], extra_actor: str,
                count: int = 60) -> None:
    for _ in range(count):
        action_id, area, category, template = b.rng.choice(AUDIT_SAMPLES)
        project = b.rng.choice(projects) if projects else None
        actor = b.rng.choice([*actors, extra_actor])
        b.audit(action_id, area, category, template.format(x=project["name"] if project else "the organization"),
                actor=actor, project=project)
    b.s.audit_log.sort(key=lambda e: e["timestamp"])


# ---------------------------------------------------------------------------------------------------------
# bulk presets
