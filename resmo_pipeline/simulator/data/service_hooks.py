"""Simulated service hook subscriptions (web hooks, Slack, Teams, storage queues).

The consumer inputs carry credential values in the clear (basic auth passwords, header tokens, account keys,
tokens in URL paths and queries), the worst case a collector must cope with: nothing of them may reach a row.
`DEMO_HOOK_SECRETS` lists every such value of the demo preset so tests can look for them.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resmo_pipeline.simulator.data.constants import iso

if TYPE_CHECKING:
    from resmo_pipeline.simulator.data.build import Builder

#: Credential values in the demo subscriptions' consumer inputs (full URLs included: their paths and
#: queries hold tokens).
DEMO_HOOK_SECRETS = (
    "http://deploybot:UrlPass77@build.contoso-legacy.example:8080/hooks/push?token=LegacyQueryToken123",
    "LegacyQueryToken123",
    "UrlPass77",
    "Sup3rS3cretHookPass!",
    "deploybot-hooks",
    "https://hooks.slack.com/services/T0CONTOSO/B0PAYMENTS/SlackPathSecret42xyz",
    "SlackPathSecret42xyz",
    "https://contoso.webhook.office.com/webhookb2/TeamsPathSecret9/IncomingWebhook/abc",
    "TeamsPathSecret9",
    "X-Api-Key:SiemHeaderKey987",
    "SiemHeaderKey987",
    "StorageAccountKeyVerySecret0123456789==",
)

EVENT_DESCRIPTIONS = {
    "git.push": "Any repository, any branch",
    "build.complete": "Any build definition, any status",
    "workitem.created": "Any work item type",
    "git.pullrequest.created": "Any repository, any branch",
    "ms.vss-release.deployment-completed-event": "Any release definition, any stage",
}


class _Hooks:
    """Builds subscriptions with their own random source (other areas' data stays as it was)."""

    def __init__(self, b: Builder) -> None:
        self.b = b
        self.s = b.s
        self.rng = random.Random(f"service_hooks:{self.s.organization.lower()}:{self.s.seed}")

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ago(self, days: float) -> str:
        return iso(self.s.now - timedelta(days=days, seconds=self.rng.randint(0, 3599)))

    def person(self, index: int = 0) -> dict[str, Any]:
        people = self.b.people or [self.s.owner["descriptor"]]
        return self.s.identity_ref(people[index % len(people)])

    def subscription(self, *, consumer: str, action: str, event: str, inputs: dict[str, str],
                     project: dict[str, Any] | None, status: str = "enabled", publisher: str = "tfs",
                     action_description: str = "", creator: int = 0, age_days: float = 200) -> dict[str, Any]:
        subscription_id = self.guid()
        publisher_inputs: dict[str, str] = {"projectId": project["id"]} if project else {}
        if event.startswith("git."):
            publisher_inputs.update({"repository": "", "branch": ""})
        subscription = {
            "id": subscription_id,
            "url": f"{self.s.base}/_apis/hooks/subscriptions/{subscription_id}",
            "_links": {"self": {"href": f"{self.s.base}/_apis/hooks/subscriptions/{subscription_id}"}},
            "status": status,
            "publisherId": publisher,
            "eventType": event,
            "subscriber": None,
            "resourceVersion": "1.0" if event != "build.complete" else "2.0-preview.2",
            "eventDescription": EVENT_DESCRIPTIONS.get(event, ""),
            "consumerId": consumer,
            "consumerActionId": action,
            "actionDescription": action_description,
            "probationRetries": 2 if status == "onProbation" else 0,
            "createdBy": self.person(creator),
            "createdDate": self.ago(age_days),
            "modifiedBy": self.person(creator + 1),
            "modifiedDate": self.ago(age_days / 3),
            "publisherInputs": publisher_inputs,
            "consumerInputs": dict(inputs),
        }
        if status == "onProbation":
            subscription["lastProbationRetryDate"] = self.ago(1)
        self.s.service_hook_subscriptions.append(subscription)
        return subscription


def _live_projects(b: Builder) -> list[dict[str, Any]]:
    return [p for p in b.s.projects if p.get("state") == "wellFormed"]


def _demo(hooks: _Hooks, projects: list[dict[str, Any]]) -> None:
    def named(name: str) -> dict[str, Any] | None:
        return next((p for p in projects if p["name"] == name), projects[0] if projects else None)

    hooks.subscription(
        consumer="webHooks", action="httpRequest", event="git.push", project=named("Contoso Web"),
        inputs={"url": DEMO_HOOK_SECRETS[0], "basicAuthUsername": "deploybot-hooks",
                "basicAuthPassword": "Sup3rS3cretHookPass!", "resourceDetailsToSend": "all",
                "messagesToSend": "none", "detailedMessagesToSend": "none"},
        action_description="To host build.contoso-legacy.example", age_days=400,
    )
    hooks.subscription(
        consumer="slack", action="postMessageToChannel", event="build.complete", project=named("Payments"),
        inputs={"url": DEMO_HOOK_SECRETS[5]},
        action_description=f"Post a message to Slack ({DEMO_HOOK_SECRETS[5]})", creator=1,
    )
    hooks.subscription(
        consumer="teams", action="postMessageToChannel", event="workitem.created", project=named("Data Platform"),
        inputs={"url": DEMO_HOOK_SECRETS[7]}, status="disabledByUser",
        action_description="Post a message to Microsoft Teams", creator=2, age_days=700,
    )
    hooks.subscription(
        consumer="webHooks", action="httpRequest", event="git.pullrequest.created", project=None,
        inputs={"url": "https://siem.contoso.example/ingest/azure-devops", "httpHeaders": DEMO_HOOK_SECRETS[9],
                "resourceDetailsToSend": "minimal"},
        action_description="To host siem.contoso.example", creator=0, age_days=90,
    )
    hooks.subscription(
        consumer="azureStorageQueue", action="enqueue", event="ms.vss-release.deployment-completed-event",
        publisher="rm", project=named("Payments"), status="onProbation",
        inputs={"accountName": "contosoevents", "accountKey": DEMO_HOOK_SECRETS[11], "queueName": "deployments"},
        action_description="Insert a message in Azure Storage queue deployments", creator=3, age_days=30,
    )


def _bulk(hooks: _Hooks, projects: list[dict[str, Any]]) -> None:
    rng = hooks.rng
    events = list(EVENT_DESCRIPTIONS)
    for index, project in enumerate(projects):
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            kind = rng.random()
            status = rng.choices(["enabled", "disabledByUser", "disabledBySystem", "onProbation"], [85, 8, 4, 3])[0]
            host = f"hooks{rng.randrange(100)}.{project['name'].lower().replace(' ', '-')}.example"
            if kind < 0.5:
                scheme = "http" if rng.random() < 0.15 else "https"
                inputs = {"url": f"{scheme}://{host}/events?code={rng.getrandbits(64):016x}",
                          "resourceDetailsToSend": "all"}
                if rng.random() < 0.3:
                    inputs.update({"basicAuthUsername": "hooks", "basicAuthPassword": f"pw{rng.getrandbits(48):x}"})
                hooks.subscription(consumer="webHooks", action="httpRequest", event=rng.choice(events),
                                   project=project, inputs=inputs, status=status, creator=index,
                                   action_description=f"To host {host}", age_days=rng.uniform(1, 900))
            elif kind < 0.8:
                hooks.subscription(consumer="slack", action="postMessageToChannel", event=rng.choice(events),
                                   project=project, status=status, creator=index, age_days=rng.uniform(1, 900),
                                   inputs={"url": f"https://hooks.slack.com/services/T{rng.getrandbits(32):x}/"
                                                  f"B{rng.getrandbits(32):x}/{rng.getrandbits(96):x}"})
            else:
                hooks.subscription(consumer="azureStorageQueue", action="enqueue", event=rng.choice(events),
                                   project=project, status=status, creator=index, age_days=rng.uniform(1, 900),
                                   inputs={"accountName": f"events{index}", "queueName": "azdo",
                                           "accountKey": f"{rng.getrandbits(256):x}=="})


def populate_service_hooks(b: Builder, sizes: dict[str, int] | None) -> None:
    """Service hook subscriptions: the demo's five examples, or a few per project for medium/large."""
    hooks = _Hooks(b)
    projects = _live_projects(b)
    if sizes is None:
        _demo(hooks, projects)
    else:
        _bulk(hooks, projects)
