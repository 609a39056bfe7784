"""Azure Boards: one work item (a Bug, or a Task) per finding in a configured organization and project.

A new finding creates the work item: title, repro steps (Bug) or description (other types) in HTML with the
message, severity, rule, a link to the resource and the remediation, tagged `resmo-pipeline` and
`resmo:<finding hash>`. A regression or an expired suppression comments on it and reopens it when it was
resolved or closed; a resolution comments and closes it. Before creating, the channel looks the work item up
by its tag through WIQL, so a crash between creating it and recording it in meta.ticket_links files no
second one; each comment carries the event's id, so a repeated event adds no second comment.

The states come from the work item type in that project (`workitemtypes/{type}/states`): closing moves to the
first state of the Completed category (Agile: Closed, Scrum and Basic: Done), reopening to the first Proposed
one (New, To Do); `closed_state` and `reopen_state` override them. The PAT (scope `vso.work_write`) is read
from the environment variable `pat_env` at send time and sent as Basic auth with an empty user name.
"""

from __future__ import annotations

import html
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

API = "7.1"
COMMENTS_API = "7.1-preview.4"
PATCH_MEDIA_TYPE = "application/json-patch+json"
#: Microsoft.VSTS.Common.Severity values of the Bug type, by our severity.
BUG_SEVERITY = {"critical": "1 - Critical", "high": "2 - High", "medium": "3 - Medium", "low": "4 - Low"}
_CLOSED = ("Completed", "Removed")  # a resolution leaves these alone
_REOPEN = ("Resolved", "Completed")  # a regression reopens these (Removed was a decision: comment only)


@dataclass
class AzureBoardsChannel(TicketChannel):
    """Work items in `organization`/`project` of Azure DevOps (`base_url`, default https://dev.azure.com)."""

    name: str
    organization: str
    project: str
    pat_env: str
    work_item_type: str = "Bug"
    base_url: str = "https://dev.azure.com"
    closed_state: str | None = None
    reopen_state: str | None = None
    tags: list[str] = field(default_factory=list)
    extra_fields: dict[str, Any] = field(default_factory=dict)  # e.g. System.AreaPath, System.AssignedTo
    min_severity: str | None = None
    timeout_s: float = 15.0
    _states: list[tuple[str, str]] | None = field(default=None, init=False, repr=False)

    system = "azure_boards"

    def __post_init__(self) -> None:
        check_severity(self.name, self.min_severity)
        self.base_url = self.base_url.rstrip("/")

    # ---- HTTP ----------------------------------------------------------------------------------------------

    def _url(self, path: str, version: str = API) -> str:
        return (f"{self.base_url}/{quote(self.organization)}/{quote(self.project)}/_apis/{path}"
                f"?api-version={version}")

    def _call(self, method: str, path: str, body: Any = None, *, version: str = API, patch: bool = False,
              allow_404: bool = False) -> Any:
        pat = read_secret(self.pat_env, self.name, "Azure DevOps PAT")
        return call(self.name, method, self._url(path, version), body=body, auth=("", pat),
                    content_type=PATCH_MEDIA_TYPE if patch else "application/json", timeout_s=self.timeout_s,
                    allow_404=allow_404)

    def ticket_url(self, item_id: int | str) -> str:
        """The work item's page in the web UI."""
        return f"{self.base_url}/{quote(self.organization)}/{quote(self.project)}/_workitems/edit/{item_id}"

    # ---- the work item type's states --------------------------------------------------------------------------

    def states(self) -> list[tuple[str, str]]:
        """(state, category) of the configured work item type in the project, asked once per configuration load."""
        if self._states is None:
            answer = self._call("GET", f"wit/workitemtypes/{quote(self.work_item_type)}/states")
            values = answer.get("value") if isinstance(answer, dict) else None
            if not values:
                raise ChannelError(f"channel '{self.name}': work item type '{self.work_item_type}' has no states "
                                   f"in project '{self.project}'")
            self._states = [(str(v.get("name")), str(v.get("category"))) for v in values]
        return self._states

    def _state_in(self, categories: tuple[str, ...], configured: str | None, what: str) -> str:
        if configured:
            return configured
        for state, category in self.states():
            if category in categories:
                return state
        raise ChannelError(f"channel '{self.name}': work item type '{self.work_item_type}' has no {what} state; "
                           f"set '{'closed_state' if what == 'closed' else 'reopen_state'}'")

    def _category(self, state: str) -> str:
        return next((c for s, c in self.states() if s == state), "")

    # ---- finding the work item ------------------------------------------------------------------------------

    def find(self, event: NotificationEvent, link: TicketLink | None) -> dict[str, Any] | None:
        """The finding's work item: the recorded one if it still exists, else the oldest with its tag."""
        if link is not None:
            item = self._call("GET", f"wit/workitems/{quote(link.ticket_id)}", allow_404=True)
            if item is not None:
                return item
        tag = f"resmo:{finding_hash(event)}"
        query = ("SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project "
                 f"AND [System.Tags] CONTAINS '{tag}' ORDER BY [System.Id]")
        answer = self._call("POST", "wit/wiql", {"query": query})
        refs = answer.get("workItems") if isinstance(answer, dict) else None
        if not refs:
            return None
        return self._call("GET", f"wit/workitems/{int(refs[0]['id'])}", allow_404=True)

    # ---- actions ------------------------------------------------------------------------------------------

    def _body_html(self, event: NotificationEvent) -> str:
        f = facts(event)
        link = safe_link(event.details.get("url"))
        resource = html.escape(event.resource_name)
        if link:
            resource = f'<a href="{html.escape(link, quote=True)}">{resource}</a>'
        where = html.escape(event.organization) + (f" / {html.escape(f['project'])}" if "project" in f else "")
        parts = [
            f"<p><b>{html.escape(f.get('rule', ''))}</b> ({html.escape(f.get('severity', 'unknown'))}) on "
            f"{html.escape(event.resource_type)} {resource} in {where}.</p>",
            f"<p>{html.escape(f.get('message', event.summary))}</p>",
        ]
        if "remediation" in f:
            parts.append(f"<p><b>Remediation:</b> {html.escape(f['remediation'])}</p>")
        parts.append(f"<p><small>Filed by resmo-pipeline on {html.escape(f['occurred_at'])}; it comments here when "
                     f"the finding regresses and closes this work item when it is resolved. Finding "
                     f"{finding_hash(event)}.</small></p>")
        return "".join(parts)

    def create(self, event: NotificationEvent) -> dict[str, Any]:
        """File the finding's work item."""
        body_field = "Microsoft.VSTS.TCM.ReproSteps" if self.work_item_type.lower() == "bug" else "System.Description"
        tags = ["resmo-pipeline", f"resmo:{finding_hash(event)}", *self.tags]
        values: dict[str, Any] = {"System.Title": title_of(event), body_field: self._body_html(event),
                                  "System.Tags": "; ".join(tags)}
        if self.work_item_type.lower() == "bug" and event.severity in BUG_SEVERITY:
            values["Microsoft.VSTS.Common.Severity"] = BUG_SEVERITY[event.severity]
        values.update(self.extra_fields)
        patch = [{"op": "add", "path": f"/fields/{name}", "value": value} for name, value in values.items()]
        item = self._call("POST", f"wit/workitems/${quote(self.work_item_type)}", patch, patch=True)
        if not isinstance(item, dict) or "id" not in item:
            raise ChannelError(f"channel '{self.name}': Azure Boards answered no work item id")
        return item

    def comment_once(self, item_id: int, event: NotificationEvent, text: str) -> None:
        """Add the event's comment unless a comment with its marker is already there."""
        marker = event_marker(event)
        answer = self._call("GET", f"wit/workItems/{item_id}/comments", version=COMMENTS_API)
        if any(marker in str(c.get("text", "")) for c in (answer or {}).get("comments", [])):
            return
        self._call("POST", f"wit/workItems/{item_id}/comments", {"text": f"{text}<p><small>{marker}</small></p>"},
                   version=COMMENTS_API)

    def set_state(self, item_id: int, state: str) -> None:
        """Move the work item to `state`."""
        self._call("PATCH", f"wit/workitems/{item_id}", [{"op": "add", "path": "/fields/System.State",
                                                          "value": state}], patch=True)

    def act(self, event: NotificationEvent, link: TicketLink | None) -> TicketLink | None:
        """Create, comment on and reopen, or comment on and close the finding's work item."""
        item = self.find(event, link)
        if event.kind in OPENING_KINDS:
            if item is None:
                item = self.create(event)
            elif event.kind != "new_finding":
                state = str(item.get("fields", {}).get("System.State", ""))
                if self._category(state) in _REOPEN:
                    self.set_state(item["id"], self._state_in(("Proposed",), self.reopen_state, "open"))
                what = "regressed" if event.kind == "regression" else "is open again (its suppression expired)"
                when, message = html.escape(iso_utc(event.occurred_at)), html.escape(facts(event).get(
                    "message", event.summary))
                self.comment_once(item["id"], event, f"<p>The finding {what} on {when}: {message}</p>")
            return self.link(event, str(item["id"]), self.ticket_url(item["id"]), "open")
        if item is None:
            return None  # resolved before a work item was filed (e.g. below the severity threshold then)
        when = html.escape(iso_utc(event.occurred_at))
        self.comment_once(item["id"], event, f"<p>Resolved: resmo-pipeline no longer finds this violation "
                                             f"(checked {when}).</p>")
        state = str(item.get("fields", {}).get("System.State", ""))
        if self._category(state) not in _CLOSED:
            self.set_state(item["id"], self._state_in(("Completed",), self.closed_state, "closed"))
        return self.link(event, str(item["id"]), self.ticket_url(item["id"]), "closed")

    def check(self) -> None:
        """Ask for the type's states and run the tag query: proves the PAT, the project and the type."""
        self.states()
        self._call("POST", "wit/wiql", {"query": "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = "
                                                 "@project AND [System.Tags] CONTAINS 'resmo-pipeline'"})
