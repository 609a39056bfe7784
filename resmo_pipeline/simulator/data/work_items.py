"""Simulated Azure Boards work items: what the work-item, comment and WIQL endpoints read and change.

Work items start empty (the inventory never reads them); ticket channels create them. Ids increase across the
organization as the service's do. Each project's process (`project["_template"]`: Agile, Scrum or Basic)
decides which work item types exist and which states they move through, with the service's state categories
(Proposed, InProgress, Resolved, Completed, Removed).

The store lives on the organization's state as `state.work_items` (created on first use); `work_items_of`
returns it. Mutations hold `state.lock`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from resmo_pipeline.simulator.data.constants import iso

_AGILE_BUG = (("New", "b2b2b2", "Proposed"), ("Active", "007acc", "InProgress"),
              ("Resolved", "ff9d00", "Resolved"), ("Closed", "339933", "Completed"),
              ("Removed", "ffffff", "Removed"))
_AGILE_TASK = (("New", "b2b2b2", "Proposed"), ("Active", "007acc", "InProgress"),
               ("Closed", "339933", "Completed"), ("Removed", "ffffff", "Removed"))
_SCRUM_BUG = (("New", "b2b2b2", "Proposed"), ("Approved", "5688e0", "Proposed"),
              ("Committed", "007acc", "InProgress"), ("Done", "339933", "Completed"),
              ("Removed", "ffffff", "Removed"))
_SCRUM_TASK = (("To Do", "b2b2b2", "Proposed"), ("In Progress", "007acc", "InProgress"),
               ("Done", "339933", "Completed"), ("Removed", "ffffff", "Removed"))
_BASIC = (("To Do", "b2b2b2", "Proposed"), ("Doing", "007acc", "InProgress"), ("Done", "339933", "Completed"))

#: Work item types per process and the states each moves through, in order: (name, color, category).
PROCESS_STATES: dict[str, dict[str, tuple[tuple[str, str, str], ...]]] = {
    "Agile": {"Bug": _AGILE_BUG, "Task": _AGILE_TASK, "User Story": _AGILE_BUG, "Feature": _AGILE_TASK,
              "Epic": _AGILE_TASK, "Issue": _AGILE_TASK},
    "Scrum": {"Bug": _SCRUM_BUG, "Task": _SCRUM_TASK, "Product Backlog Item": _SCRUM_BUG, "Feature": _SCRUM_TASK,
              "Epic": _SCRUM_TASK, "Impediment": _SCRUM_TASK},
    "Basic": {"Issue": _BASIC, "Task": _BASIC, "Epic": _BASIC},
}
#: Fields every work item has; the rest a caller sets are accepted as they come (the service checks the
#: type's field list; the simulator does not).
READ_ONLY_FIELDS = ("System.Id", "System.Rev", "System.TeamProject", "System.WorkItemType", "System.CreatedDate",
                    "System.CreatedBy", "System.ChangedDate", "System.ChangedBy", "System.CommentCount")


class WorkItemError(Exception):
    """A request the service would refuse: `status`, the message and the error's type key."""

    def __init__(self, status: int, message: str, type_key: str) -> None:
        super().__init__(message)
        self.status = status
        self.type_key = type_key


@dataclass
class WorkItemStore:
    """Every work item of the organization: by id, with its comments (newest last)."""

    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 1
    next_comment_id: int = 1


def work_items_of(state: Any) -> WorkItemStore:
    """The organization's work item store."""
    return state.work_items


def process_of(project: dict[str, Any]) -> str:
    """The project's process name (Agile, Scrum or Basic)."""
    template = project.get("_template") or ("Agile", "")
    return str(template[0])


def type_states(project: dict[str, Any], work_item_type: str) -> tuple[tuple[str, str, str], ...] | None:
    """The states of a work item type in the project's process, or None when the type does not exist there."""
    types = PROCESS_STATES.get(process_of(project), PROCESS_STATES["Agile"])
    return next((states for name, states in types.items() if name.lower() == work_item_type.lower()), None)


def canonical_type(project: dict[str, Any], work_item_type: str) -> str | None:
    """The type's name as the process spells it, or None when the process has no such type."""
    types = PROCESS_STATES.get(process_of(project), PROCESS_STATES["Agile"])
    return next((name for name in types if name.lower() == work_item_type.lower()), None)


def now_iso() -> str:
    return iso(datetime.now(UTC))


def _field_of(path: str) -> str:
    if not path.startswith("/fields/"):
        raise WorkItemError(400, f"The path {path} is not supported; use /fields/<reference name>.",
                            "PatchOperationFailedException")
    return path[len("/fields/"):]


def _apply(item: dict[str, Any], operations: Any, states: tuple[tuple[str, str, str], ...]) -> bool:
    """Apply JSON Patch operations to the item's fields; True when a field changed."""
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise WorkItemError(400, "You must pass a valid patch document in the body of the request.",
                            "VssPropertyValidationException")
    fields = item["fields"]
    changed = False
    for op in operations:
        kind, path = str(op.get("op", "")).lower(), str(op.get("path", ""))
        if kind == "test":
            if path == "/rev" and op.get("value") != item["rev"]:
                raise WorkItemError(412, f"TF26071: This work item has been changed by someone else since you "
                                         f"opened it. Rev {op.get('value')} is not the latest ({item['rev']}).",
                                    "WorkItemRevisionMismatchException")
            continue
        name = _field_of(path)
        if name in READ_ONLY_FIELDS:
            raise WorkItemError(400, f"TF401326: Invalid field status 'ReadOnly' for field '{name}'.",
                                "RuleValidationException")
        if kind in ("add", "replace"):
            changed |= fields.get(name) != op.get("value")
            fields[name] = op.get("value")
        elif kind == "remove":
            changed |= fields.pop(name, None) is not None
        else:
            raise WorkItemError(400, f"The operation {kind!r} is not supported.", "PatchOperationFailedException")
    if not str(fields.get("System.Title") or "").strip():
        raise WorkItemError(400, "TF401320: Rule Error for field Title. Error code: Required, InvalidEmpty.",
                            "RuleValidationException")
    if fields.get("System.State") not in {name for name, _, _ in states}:
        allowed = ", ".join(name for name, _, _ in states)
        raise WorkItemError(400, f"TF401320: Rule Error for field State. Error code: Required, HasValues, "
                                 f"LimitedToValues, AllowsOldValue, InvalidEmpty. Allowed: {allowed}.",
                            "RuleValidationException")
    return changed


def create(state: Any, project: dict[str, Any], work_item_type: str, operations: Any,
           identity: dict[str, Any]) -> dict[str, Any]:
    """Create a work item of that type in the project from a JSON Patch document; raises WorkItemError."""
    name = canonical_type(project, work_item_type)
    if name is None:
        raise WorkItemError(404, f"VS402323: Work item type {work_item_type} does not exist in project "
                                 f"{project['name']} ({process_of(project)} process).",
                            "WorkItemTypeNotFoundException")
    states = type_states(project, name) or ()
    store = work_items_of(state)
    with state.lock:
        now = now_iso()
        item = {"id": store.next_id, "rev": 1, "_project": project["id"], "fields": {
            "System.AreaPath": project["name"], "System.TeamProject": project["name"],
            "System.IterationPath": project["name"], "System.WorkItemType": name, "System.State": states[0][0],
            "System.Reason": "New", "System.CreatedDate": now, "System.CreatedBy": dict(identity),
            "System.ChangedDate": now, "System.ChangedBy": dict(identity), "System.CommentCount": 0,
        }}
        _apply(item, operations, states)
        item["fields"]["System.Id"] = item["id"]
        item["fields"]["Microsoft.VSTS.Common.StateChangeDate"] = now
        store.items[item["id"]] = item
        store.comments[item["id"]] = []
        store.next_id += 1
        state.revision += 1
    return item


def get(state: Any, project: dict[str, Any] | None, item_id: str) -> dict[str, Any]:
    """A work item by id (in the project, when one is given); raises the service's TF401232 404."""
    item = work_items_of(state).items.get(int(item_id)) if item_id.isdigit() else None
    if item is None or (project is not None and item["_project"] != project["id"]):
        raise WorkItemError(404, f"TF401232: Work item {item_id} does not exist, or you do not have permissions "
                                 f"to read it.", "WorkItemUnauthorizedAccessException")
    return item


def update(state: Any, project: dict[str, Any], item_id: str, operations: Any,
           identity: dict[str, Any]) -> dict[str, Any]:
    """Apply a JSON Patch document to a work item; a state change records its date (and closed date)."""
    with state.lock:
        item = get(state, project, item_id)
        states = type_states(project, item["fields"]["System.WorkItemType"]) or ()
        before = dict(item["fields"])
        try:
            changed = _apply(item, operations, states)
        except WorkItemError:
            item["fields"] = before
            raise
        if changed:
            now = now_iso()
            fields = item["fields"]
            if fields.get("System.State") != before.get("System.State"):
                fields["Microsoft.VSTS.Common.StateChangeDate"] = now
                category = next(c for n, _, c in states if n == fields["System.State"])
                fields["System.Reason"] = {"Completed": "Fixed", "Proposed": "Reactivated"}.get(category, "Moved")
                if category == "Completed":
                    fields["Microsoft.VSTS.Common.ClosedDate"] = now
                else:
                    fields.pop("Microsoft.VSTS.Common.ClosedDate", None)
            fields["System.ChangedDate"], fields["System.ChangedBy"] = now, dict(identity)
            item["rev"] += 1
            fields["System.Rev"] = item["rev"]
            state.revision += 1
    return item


def add_comment(state: Any, project: dict[str, Any], item_id: str, text: Any,
                identity: dict[str, Any]) -> dict[str, Any]:
    """Append a comment to a work item's discussion (this bumps the item's revision, as the service does)."""
    if not isinstance(text, str) or not text.strip():
        raise WorkItemError(400, "VS403691: The comment text cannot be empty.", "ArgumentNullException")
    store = work_items_of(state)
    with state.lock:
        item = get(state, project, item_id)
        now = now_iso()
        comment = {"workItemId": item["id"], "id": store.next_comment_id, "version": 1, "text": text,
                   "createdBy": dict(identity), "createdDate": now, "modifiedBy": dict(identity),
                   "modifiedDate": now, "isDeleted": False, "format": "html", "renderedText": text}
        store.next_comment_id += 1
        store.comments[item["id"]].append(comment)
        item["fields"]["System.CommentCount"] = len(store.comments[item["id"]])
        item["rev"] += 1
        item["fields"]["System.Rev"] = item["rev"]
        state.revision += 1
    return comment


def comments(state: Any, project: dict[str, Any], item_id: str) -> list[dict[str, Any]]:
    """A work item's comments, newest first (the service's default order)."""
    item = get(state, project, item_id)
    return list(reversed(work_items_of(state).comments.get(item["id"], [])))


# ---- WIQL: the flat queries ticket channels send ----------------------------------------------------------

_QUERY = re.compile(r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+WorkItems\s*(?:WHERE\s+(?P<where>.+?))?"
                    r"\s*(?:ORDER\s+BY\s+(?P<order>.+?))?\s*$", re.IGNORECASE | re.DOTALL)
_CLAUSE = re.compile(r"^\s*\[(?P<field>[\w.]+)\]\s*(?P<op>=|<>|CONTAINS|NOT\s+CONTAINS)\s*"
                     r"(?P<value>'(?:[^']|'')*'|@\w+|-?\d+)\s*$", re.IGNORECASE)


def _value(raw: str, project: dict[str, Any] | None) -> Any:
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    if raw.lower() == "@project":
        if project is None:
            raise WorkItemError(400, "TF51011: The @project macro needs a project in the request URL.",
                                "InvalidQueryTextException")
        return project["name"]
    if raw.startswith("@"):
        raise WorkItemError(400, f"TF51011: The macro {raw} is not supported here.", "InvalidQueryTextException")
    return int(raw)


def _matches(item: dict[str, Any], field_name: str, op: str, value: Any) -> bool:
    actual = item["id"] if field_name.lower() == "system.id" else item["fields"].get(field_name)
    if op in ("CONTAINS", "NOT CONTAINS"):
        if field_name.lower() == "system.tags":  # CONTAINS on tags compares whole tags
            found = str(value).lower() in {t.strip().lower() for t in str(actual or "").split(";")}
        else:
            found = str(value).lower() in str(actual or "").lower()
        return found if op == "CONTAINS" else not found
    same = str(actual).lower() == str(value).lower() if isinstance(value, str) else actual == value
    return same if op == "=" else not same


def query(state: Any, project: dict[str, Any] | None, text: Any) -> list[dict[str, Any]]:
    """The work items a flat WIQL query selects (clauses joined by AND; =, <>, CONTAINS), ordered by id."""
    match = _QUERY.match(text) if isinstance(text, str) else None
    if match is None:
        raise WorkItemError(400, "TF51006: The query statement is missing a FROM WorkItems clause or cannot be "
                                 "parsed.", "InvalidQueryTextException")
    where = match.group("where")
    clauses = []
    for part in re.split(r"\s+AND\s+", where, flags=re.IGNORECASE) if where else []:
        clause = _CLAUSE.match(part)
        if clause is None:
            raise WorkItemError(400, f"TF51005: The query clause '{part.strip()}' is not supported by the "
                                     f"simulator (use [Field] = | <> | CONTAINS value, joined by AND).",
                                "InvalidQueryTextException")
        op = re.sub(r"\s+", " ", clause.group("op").upper())
        clauses.append((clause.group("field"), op, _value(clause.group("value"), project)))
    items = sorted(work_items_of(state).items.values(), key=lambda i: i["id"])
    descending = bool(match.group("order")) and "desc" in match.group("order").lower()
    selected = [i for i in items if all(_matches(i, f, op, v) for f, op, v in clauses)]
    return list(reversed(selected)) if descending else selected


def selected_columns(text: str) -> list[str]:
    """The field reference names of a WIQL SELECT list."""
    match = _QUERY.match(text)
    return re.findall(r"\[([\w.]+)\]", match.group("select")) if match else []
