"""Local stand-ins for Jira Cloud, PagerDuty Events v2 and Opsgenie, served over real HTTP on 127.0.0.1.

Each keeps the state the real service would (issues with statuses, labels, comments and transitions; incidents
by dedup key; alerts by alias), checks the credentials and the request bodies the way the service does, and
answers in its shapes. `fail_with = 500` plays a service that is down (nothing is processed).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Answer = tuple[int, Any]


@dataclass
class Receiver:
    """What every fake shares: the request log, a forced failure status and the lock."""

    url: str = ""
    fail_with: int | None = None
    log: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)  # method, path, headers, body
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Answer:
        raise NotImplementedError

    def calls(self, method: str | None = None, path_prefix: str = "") -> list[tuple[str, str, Any]]:
        """Processed requests as (method, path, body)."""
        with self.lock:
            return [(m, p, b) for m, p, _, b in self.log
                    if (method is None or m == method) and p.startswith(path_prefix)]


@contextmanager
def serve(receiver: Receiver) -> Iterator[Receiver]:
    """Serve the fake on a free port for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            if receiver.fail_with:
                status, body = receiver.fail_with, {"message": "internal error, try again later"}
            else:
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = None
                with receiver.lock:
                    status, body = receiver.handle(self.command, unquote(parts.path), query, headers, parsed)
                    if status < 300:
                        receiver.log.append((self.command, unquote(parts.path), headers, parsed))
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval makes shutdown quick.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


# ---- Jira Cloud -------------------------------------------------------------------------------------------

STATUSES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done"}
TRANSITIONS = {"11": "To Do", "21": "In Progress", "31": "Done"}  # each named after the status it leads to


def _is_adf(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "doc" and value.get("version") == 1 and isinstance(
        value.get("content"), list) and bool(value["content"])


@dataclass
class JiraReceiver(Receiver):
    """Jira Cloud REST v3: issues, JQL search by label, comments and a To Do / In Progress / Done workflow."""

    email: str = "bot@example.com"
    token: str = "jira-token-secret"
    project: str = "SEC"
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _issue_view(self, issue: dict[str, Any]) -> dict[str, Any]:
        status = issue["status"]
        return {"id": issue["id"], "key": issue["key"], "self": f"{self.url}/rest/api/3/issue/{issue['id']}",
                "fields": {"labels": issue["fields"]["labels"],
                           "status": {"name": status, "statusCategory": {"key": STATUSES[status]}}}}

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Answer:
        expected = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {"errorMessages": ["You are not authenticated. Authentication required to perform this "
                                           "operation."], "errors": {}}
        if method == "POST" and path == "/rest/api/3/issue":
            return self._create(body)
        if path == "/rest/api/3/search/jql":
            return self._search(body if method == "POST" else query)
        match = re.fullmatch(r"/rest/api/3/issue/([A-Z]+-\d+)(/comment|/transitions)?", path)
        issue = self.issues.get(match.group(1)) if match else None
        if issue is None:
            return 404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                         "errors": {}}
        what = match.group(2)
        if what is None and method == "GET":
            return 200, self._issue_view(issue)
        if what == "/comment" and method == "GET":
            comments = list(reversed(issue["comments"])) if query.get("orderBy") == "-created" else issue["comments"]
            return 200, {"startAt": 0, "maxResults": 100, "total": len(comments), "comments": comments}
        if what == "/comment" and method == "POST":
            if not _is_adf((body or {}).get("body")):
                return 400, {"errorMessages": [], "errors": {"comment": "Comment body is not valid."}}
            comment = {"id": str(10000 + len(issue["comments"])), "body": body["body"]}
            issue["comments"].append(comment)
            return 201, comment
        if what == "/transitions" and method == "GET":
            return 200, {"transitions": [{"id": tid, "name": name, "to": {"name": name, "statusCategory":
                                                                           {"key": STATUSES[name]}}}
                                         for tid, name in TRANSITIONS.items() if name != issue["status"]]}
        if what == "/transitions" and method == "POST":
            tid = str(((body or {}).get("transition") or {}).get("id"))
            if tid not in TRANSITIONS or TRANSITIONS[tid] == issue["status"]:
                return 400, {"errorMessages": [f"Transition id '{tid}' is not valid for this issue."], "errors": {}}
            issue["status"] = TRANSITIONS[tid]
            return 204, None
        return 405, {"errorMessages": [f"{method} {path} is not served"], "errors": {}}

    def _create(self, body: Any) -> Answer:
        fields = (body or {}).get("fields") or {}
        errors = {}
        if (fields.get("project") or {}).get("key") != self.project:
            errors["project"] = "valid project is required"
        if (fields.get("issuetype") or {}).get("name") not in ("Bug", "Task"):
            errors["issuetype"] = "The issue type selected is invalid."
        if not isinstance(fields.get("summary"), str) or not fields["summary"] or len(fields["summary"]) > 255:
            errors["summary"] = "You must specify a summary of the issue."
        if not _is_adf(fields.get("description")):
            errors["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document " \
                                    "Format)"
        labels = fields.get("labels") or []
        if not all(isinstance(label, str) and " " not in label for label in labels):
            errors["labels"] = "The label can't contain spaces."
        if errors:
            return 400, {"errorMessages": [], "errors": errors}
        number = len(self.issues) + 1
        key = f"{self.project}-{number}"
        self.issues[key] = {"id": str(10000 + number), "key": key, "fields": fields, "status": "To Do",
                            "comments": []}
        return 201, {"id": str(10000 + number), "key": key, "self": f"{self.url}/rest/api/3/issue/{10000 + number}"}

    def _search(self, request: Any) -> Answer:
        jql = str((request or {}).get("jql") or "")
        project = re.search(r'project = "([^"]+)"', jql)
        label = re.search(r'labels = "([^"]+)"', jql)
        if project is None or project.group(1) != self.project:
            return 400, {"errorMessages": [f"The value '{project.group(1) if project else ''}' does not exist for "
                                           f"the field 'project'."], "errors": {}}
        found = [i for i in self.issues.values() if label is None or label.group(1) in i["fields"]["labels"]]
        return 200, {"issues": [self._issue_view(i) for i in found], "isLast": True}


# ---- PagerDuty Events API v2 --------------------------------------------------------------------------------

PD_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class PagerDutyReceiver(Receiver):
    """Events API v2: incidents by dedup key (triggered / resolved) and how many triggers each got."""

    routing_key: str = "R0UT1NGKEY0000000000000000000000"
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Answer:
        if method != "POST" or path != "/v2/enqueue":
            return 404, {"status": "not found", "message": "Not found"}
        body = body or {}
        errors = []
        if body.get("routing_key") != self.routing_key:
            errors.append("'routing_key' is invalid")
        action = body.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        if action == "trigger":
            payload = body.get("payload") or {}
            if not payload.get("summary") or len(payload["summary"]) > 1024:
                errors.append("'payload.summary' is missing or blank")
            if not payload.get("source"):
                errors.append("'payload.source' is missing or blank")
            if payload.get("severity") not in PD_SEVERITIES:
                errors.append("'payload.severity' is invalid")
        elif not body.get("dedup_key"):
            errors.append("'dedup_key' is missing for a resolve")
        if errors:
            return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        key = body.get("dedup_key") or uuid.uuid4().hex
        incident = self.incidents.get(key)
        if action == "trigger":
            if incident is None or incident["status"] == "resolved":
                incident = self.incidents[key] = {"status": "triggered", "triggers": 0, "payload": body["payload"],
                                                  "links": body.get("links", [])}
            incident["triggers"] += 1
        elif action == "resolve" and incident is not None:
            incident["status"] = "resolved"
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}


# ---- Opsgenie Alert API -------------------------------------------------------------------------------------


@dataclass
class OpsgenieReceiver(Receiver):
    """Alert API: alerts by alias (open / closed), deduplicated while open (count), closed by alias."""

    api_key: str = "opsgenie-key-secret"
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def open_alert(self, alias: str) -> dict[str, Any] | None:
        """The open alert with that alias."""
        return next((a for a in self.alerts if a["alias"] == alias and a["status"] == "open"), None)

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Answer:
        taken = {"took": 0.01, "requestId": str(uuid.uuid4())}
        if headers.get("authorization") != f"GenieKey {self.api_key}":
            return 401, {"message": "Could not authenticate", **taken}
        body = body or {}
        if method == "POST" and path == "/v2/alerts":
            message, alias = body.get("message"), body.get("alias")
            if not isinstance(message, str) or not message or len(message) > 130:
                return 422, {"message": "Request body is not processable. Please check the errors.",
                             "errors": {"message": "Message can not be empty or longer than 130"}, **taken}
            if body.get("priority") not in ("P1", "P2", "P3", "P4", "P5"):
                return 422, {"message": "Priority should be one of [P1, P2, P3, P4, P5]", **taken}
            if not all(isinstance(v, str) for v in (body.get("details") or {}).values()):
                return 422, {"message": "details must be a map of strings", **taken}
            existing = self.open_alert(alias)
            if existing is not None:
                existing["count"] += 1
            else:
                self.alerts.append({**body, "status": "open", "count": 1, "notes": []})
            return 202, {"result": "Request will be processed", **taken}
        match = re.fullmatch(r"/v2/alerts/([^/]+)/close", path)
        if method == "POST" and match:
            if query.get("identifierType") != "alias":
                return 422, {"message": "identifierType must be alias in these tests", **taken}
            alert = self.open_alert(match.group(1))
            if alert is not None:
                alert["status"] = "closed"
                alert["notes"].append(body.get("note"))
            return 202, {"result": "Request will be processed", **taken}
        return 404, {"message": f"{method} {path} is not served", **taken}
