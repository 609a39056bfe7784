"""Jira Cloud: one issue per finding, created, commented on and transitioned through the REST API v3.

A new finding creates an issue in `project_key` (type `issue_type`, default Bug) with an Atlassian Document
Format description and the labels `resmo-pipeline` and `resmo-<finding hash>`. Before creating, the channel
searches for that label (`POST /rest/api/3/search/jql`), so a crash between creating and recording files no
second issue. A regression comments and, when the issue is done, runs the `reopen_transition` (default
"To Do"); a resolution comments and runs the `done_transition` (default "Done") unless the issue is done
already. Transitions are chosen by their name or the name of the status they lead to. Comments carry the
event's id, so a repeated event adds none.

Authentication: the account's email and an API token read from the environment variable `token_env` (Basic).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from resmo_pipeline.notify.channels import ChannelError, read_secret
from resmo_pipeline.notify.model import NotificationEvent
from resmo_pipeline.notify.tickets.base import (
    OPENING_KINDS,
    TicketChannel,
    TicketLink,
    call,
    check_severity,
    event_marker,
    facts,
    finding_hash,
    iso_utc,
    safe_link,
    title_of,
)


def _text(text: str, href: str | None = None, strong: bool = False) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    marks = ([{"type": "strong"}] if strong else []) + ([{"type": "link", "attrs": {"href": href}}] if href else [])
    if marks:
        node["marks"] = marks
    return node


def paragraph(*nodes: dict[str, Any]) -> dict[str, Any]:
    """An ADF paragraph of text nodes."""
    return {"type": "paragraph", "content": [n for n in nodes if n.get("text")]}


def document(*paragraphs: dict[str, Any]) -> dict[str, Any]:
    """An ADF document (what v3 takes for descriptions and comments)."""
    return {"type": "doc", "version": 1, "content": [p for p in paragraphs if p["content"]]}


def description(event: NotificationEvent) -> dict[str, Any]:
    """The issue's description: what is wrong, where (with the resource's link) and how to fix it."""
    f = facts(event)
    where = event.organization + (f" / {f['project']}" if "project" in f else "")
    body = [
        paragraph(_text(f.get("rule", "finding"), strong=True), _text(f" ({f.get('severity', 'unknown')}) on "
                  f"{event.resource_type} "), _text(event.resource_name, href=safe_link(event.details.get("url"))),
                  _text(f" in {where}.")),
        paragraph(_text(f.get("message", event.summary))),
    ]
    if "remediation" in f:
        body.append(paragraph(_text("Remediation: ", strong=True), _text(f["remediation"])))
    body.append(paragraph(_text(f"Filed by resmo-pipeline on {f['occurred_at']}; it comments here when the finding "
                                f"regresses and moves this issue to done when it is resolved. Finding "
                                f"{finding_hash(event)}.")))
    return document(*body)


@dataclass
class JiraChannel(TicketChannel):
    """Issues in the Jira Cloud site `base_url` (e.g. https://example.atlassian.net), project `project_key`."""

    name: str
    base_url: str
    project_key: str
    email: str
    token_env: str
    issue_type: str = "Bug"
    done_transition: str = "Done"
    reopen_transition: str = "To Do"
    labels: list[str] = field(default_factory=list)
    priorities: dict[str, str] = field(default_factory=dict)  # our severity -> Jira priority name
    min_severity: str | None = None
    timeout_s: float = 15.0

    system = "jira"

    def __post_init__(self) -> None:
        check_severity(self.name, self.min_severity)
        self.base_url = self.base_url.rstrip("/")

    def _call(self, method: str, path: str, body: Any = None, allow_404: bool = False) -> Any:
        token = read_secret(self.token_env, self.name, "Jira API token")
        basic = base64.b64encode(f"{self.email}:{token}".encode()).decode()
        return call(self.name, method, f"{self.base_url}/rest/api/3/{path}", body=body, allow_404=allow_404,
                    headers={"Authorization": f"Basic {basic}"}, secrets=(token, basic), timeout_s=self.timeout_s)

    def ticket_url(self, key: str) -> str:
        """The issue's page."""
        return f"{self.base_url}/browse/{key}"

    def find(self, event: NotificationEvent, link: TicketLink | None) -> dict[str, Any] | None:
        """The finding's issue (key and status): the recorded one if it still exists, else the oldest labelled."""
        if link is not None:
            issue = self._call("GET", f"issue/{quote(link.ticket_id)}?fields=status,labels", allow_404=True)
            if issue is not None:
                return issue
        jql = f'project = "{self.project_key}" AND labels = "resmo-{finding_hash(event)}" ORDER BY created ASC'
        answer = self._call("POST", "search/jql", {"jql": jql, "fields": ["status", "labels"], "maxResults": 5})
        issues = answer.get("issues") if isinstance(answer, dict) else None
        return issues[0] if issues else None

    @staticmethod
    def is_done(issue: dict[str, Any]) -> bool:
        """Whether the issue's status is in the done category."""
        status = (issue.get("fields") or {}).get("status") or {}
        return (status.get("statusCategory") or {}).get("key") == "done"

    def create(self, event: NotificationEvent) -> dict[str, Any]:
        """Create the finding's issue."""
        fields: dict[str, Any] = {
            "project": {"key": self.project_key}, "issuetype": {"name": self.issue_type},
            "summary": title_of(event), "description": description(event),
            "labels": ["resmo-pipeline", f"resmo-{finding_hash(event)}", *self.labels],
        }
        if event.severity in self.priorities:
            fields["priority"] = {"name": self.priorities[event.severity]}
        issue = self._call("POST", "issue", {"fields": fields})
        if not isinstance(issue, dict) or "key" not in issue:
            raise ChannelError(f"channel '{self.name}': Jira answered no issue key")
        return issue

    def comment_once(self, key: str, event: NotificationEvent, text: str) -> None:
        """Comment unless a comment with the event's marker is already there."""
        marker = event_marker(event)
        answer = self._call("GET", f"issue/{quote(key)}/comment?orderBy=-created&maxResults=100")
        if any(marker in str(c.get("body")) for c in (answer or {}).get("comments", [])):
            return
        self._call("POST", f"issue/{quote(key)}/comment", {"body": document(paragraph(_text(text)),
                                                                             paragraph(_text(marker)))})

    def transition(self, key: str, wanted: str) -> None:
        """Run the transition named `wanted` (or leading to a status of that name)."""
        answer = self._call("GET", f"issue/{quote(key)}/transitions")
        transitions = (answer or {}).get("transitions", [])
        lowered = wanted.lower()
        chosen = next((t for t in transitions if str(t.get("name", "")).lower() == lowered), None) or next(
            (t for t in transitions if str((t.get("to") or {}).get("name", "")).lower() == lowered), None)
        if chosen is None:
            names = ", ".join(str(t.get("name")) for t in transitions) or "none"
            raise ChannelError(f"channel '{self.name}': issue {key} has no transition '{wanted}' (available: "
                               f"{names}); set done_transition / reopen_transition")
        self._call("POST", f"issue/{quote(key)}/transitions", {"transition": {"id": str(chosen["id"])}})

    def act(self, event: NotificationEvent, link: TicketLink | None) -> TicketLink | None:
        """Create, comment on and reopen, or comment on and close the finding's issue."""
        issue = self.find(event, link)
        message = facts(event).get("message", event.summary)
        when = iso_utc(event.occurred_at)
        if event.kind in OPENING_KINDS:
            if issue is None:
                issue = self.create(event)
            elif event.kind != "new_finding":
                if self.is_done(issue):
                    self.transition(issue["key"], self.reopen_transition)
                what = "regressed" if event.kind == "regression" else "is open again (its suppression expired)"
                self.comment_once(issue["key"], event, f"The finding {what} on {when}: {message}")
            return self.link(event, issue["key"], self.ticket_url(issue["key"]), "open")
        if issue is None:
            return None
        self.comment_once(issue["key"], event, f"Resolved: resmo-pipeline no longer finds this violation "
                                               f"(checked {when}).")
        if not self.is_done(issue):
            self.transition(issue["key"], self.done_transition)
        return self.link(event, issue["key"], self.ticket_url(issue["key"]), "closed")

    def check(self) -> None:
        """Search the project for the channel's label: proves the site, the token and the project key."""
        self._call("POST", "search/jql", {"jql": f'project = "{self.project_key}" AND labels = "resmo-pipeline"',
                                          "fields": ["status"], "maxResults": 1})
