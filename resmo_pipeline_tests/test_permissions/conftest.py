"""Hand-built permission scenarios in real DuckDB warehouse files.

A `Scenario` holds a tiny organization (one project "Payments", repository "payments-api" with branches, groups,
users, memberships and access control entries), writes it to a warehouse file as the inventory would, runs the
evaluation the way the assets do, and answers questions through the views.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from resmo_pipeline.permissions.assets import EVALUATED_TABLES
from resmo_pipeline.permissions.evaluate import evaluate
from resmo_pipeline.permissions.inputs import INPUT_COLUMNS, load_inputs
from resmo_pipeline.permissions.roles import evaluate_roles
from resmo_pipeline.permissions.tokens import git_branch_token
from resmo_pipeline.permissions.views import ensure_views
from resmo_pipeline.warehouse.access import write_connection
from resmo_pipeline.warehouse.schema import ensure_table

ORG = "contoso"
PROJECT = "11111111-1111-1111-1111-111111111111"
REPO = "22222222-2222-2222-2222-222222222222"
GIT = ["Administer", "GenericRead", "GenericContribute", "ForcePush", "CreateBranch", "CreateTag", "ManageNote",
       "PolicyExempt"]
GIT_NAMESPACE = "Git Repositories"
PROJECT_ACTIONS = ["GENERIC_READ", "GENERIC_WRITE", "DELETE", "WORK_ITEM_DELETE"]
#: Bits of the Git Repositories namespace used below (the service's values).
READ, CONTRIBUTE, FORCE_PUSH, BYPASS = 2, 4, 8, 128
DISPLAY = {"PolicyExempt": "Bypass policies when pushing", "ForcePush": "Force push (rewrite history, delete "
           "branches and tags)", "GenericContribute": "Contribute", "GenericRead": "Read"}
REPO_TOKEN = f"repoV2/{PROJECT}/{REPO}"
PROJECT_TOKEN = f"repoV2/{PROJECT}"


def group(name: str) -> str:
    return f"vssgp.{name.replace(' ', '_')}"


def user(name: str) -> str:
    return f"aad.{name}"


@dataclass
class Scenario:
    """A small organization to evaluate; add entries and memberships, then `evaluate()`."""

    path: Path
    aces: list[dict[str, Any]] = field(default_factory=list)
    lists: dict[str, bool] = field(default_factory=dict)
    members: list[tuple[str, str]] = field(default_factory=list)
    branches: tuple[str, ...] = ("refs/heads/main", "refs/heads/feature/login")
    roles: list[dict[str, Any]] = field(default_factory=list)
    namespaces: dict[str, str] = field(default_factory=dict)

    def ace(self, token: str, identity: str, allow: int = 0, deny: int = 0, namespace: str = GIT_NAMESPACE
            ) -> Scenario:
        self.aces.append({"token": token, "identity": identity, "allow": allow, "deny": deny})
        self.namespaces[token] = namespace
        self.lists.setdefault(token, True)
        return self

    def no_inherit(self, token: str) -> Scenario:
        self.lists[token] = False
        return self

    def member(self, container: str, member: str) -> Scenario:
        self.members.append((container, member))
        return self

    def _identities(self) -> set[str]:
        found = {a["identity"] for a in self.aces} | {d for pair in self.members for d in pair}
        return found | {str(r["identity_id"]) for r in self.roles}

    def write(self) -> None:
        tables: dict[str, list[dict[str, Any]]] = {name: [] for name in INPUT_COLUMNS}
        tables["security_namespaces"] = [
            {"name": name, "actions": json.dumps(
                [{"bit": 1 << i, "name": n, "displayName": DISPLAY.get(n, n)} for i, n in enumerate(actions)])}
            for name, actions in ((GIT_NAMESPACE, GIT), ("Project", PROJECT_ACTIONS))]
        tables["projects"] = [{"id": PROJECT, "name": "Payments"}]
        tables["repositories"] = [{"id": REPO, "name": "payments-api", "project_id": PROJECT,
                                   "project_name": "Payments"}]
        tables["branches"] = [{"repository_id": REPO, "repository_name": "payments-api", "project_id": PROJECT,
                               "project_name": "Payments", "name": b, "is_default_branch": b == "refs/heads/main"}
                              for b in self.branches]
        for token, inherit in self.lists.items():
            entries = [a for a in self.aces if a["token"] == token] or [None]
            for entry in entries:
                tables["access_control_lists"].append({
                    "namespace_name": self.namespaces.get(token, GIT_NAMESPACE), "token": token,
                    "inherit_permissions": inherit,
                    "descriptor": f"legacy;{entry['identity']}" if entry else None,
                    "identity_subject_descriptor": entry["identity"] if entry else None,
                    "identity_display_name": entry["identity"].split(".", 1)[1] if entry else None,
                    "allow": entry["allow"] if entry else None, "deny": entry["deny"] if entry else None,
                })
        for identity in sorted(self._identities()):
            name = identity.split(".", 1)[1].replace("_", " ")
            if identity.startswith("vssgp."):
                tables["groups"].append({"descriptor": identity, "display_name": name,
                                         "principal_name": f"[Payments]\\{name}",
                                         "is_collection_admins": name == "Project Collection Administrators"})
            else:
                tables["users"].append({"descriptor": identity, "display_name": name,
                                        "principal_name": f"{name}@contoso.com"})
        tables["role_assignments"] = self.roles
        with write_connection(self.path, publish_after_s=0) as conn:
            for table, rows in tables.items():
                ensure_table(conn, "azure_devops", table, {"organization": "VARCHAR", **INPUT_COLUMNS[table]})
                for row in rows:
                    columns = ["organization", *row]
                    conn.execute(
                        f"INSERT INTO azure_devops.{table} ({', '.join(columns)}) VALUES "
                        f"({', '.join('?' * len(columns))})", [ORG, *row.values()])
            ensure_table(conn, "azure_devops", "effective_group_memberships", {
                "organization": "VARCHAR", "group_descriptor": "VARCHAR", "member_descriptor": "VARCHAR",
                "depth": "BIGINT", "path": "JSON"})
            for container, members in _closure(self.members).items():
                for member, path in members.items():
                    conn.execute("INSERT INTO azure_devops.effective_group_memberships VALUES (?, ?, ?, ?, ?)",
                                 [ORG, container, member, len(path) - 1, json.dumps(path)])

    def evaluate(self) -> Scenario:
        """Write the inventory, evaluate it and store the results and views like the assets do."""
        self.write()
        source = duckdb.connect(str(self.path))
        try:
            inputs = load_inputs(source, ORG)
        finally:
            source.close()
        result = evaluate(inputs, ORG)
        roles = evaluate_roles(inputs, ORG)
        inputs.close()
        ensure_views(str(self.path), EVALUATED_TABLES)
        with write_connection(self.path, publish_after_s=0) as conn:
            for table, frame in (("effective_permissions", result.permissions),
                                 ("permission_objects", result.objects), ("effective_roles", roles)):
                conn.register("frame", frame)
                conn.execute(f"INSERT INTO azure_devops.{table} BY NAME SELECT * FROM frame")
                conn.unregister("frame")
        return self

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        conn = duckdb.connect(str(self.path), read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()

    def user_decision(self, who: str, bit: int, token: str, namespace: str = GIT_NAMESPACE) -> str | None:
        """The user's decision on the object with ``token`` (None: not set)."""
        rows = self.query("SELECT decision FROM azure_devops.effective_user_permissions WHERE user_descriptor = ? "
                          "AND bit = ? AND token = lower(?) AND namespace = ?",
                          [user(who), bit, token.rstrip("/"), namespace])
        return rows[0][0] if rows else None

    def user_via(self, who: str, bit: int, token: str) -> str:
        return self.query("SELECT via FROM azure_devops.effective_user_permissions WHERE user_descriptor = ? "
                          "AND bit = ? AND token = lower(?)", [user(who), bit, token])[0][0]


def _closure(direct: list[tuple[str, str]]) -> dict[str, dict[str, list[str]]]:
    children: dict[str, list[str]] = {}
    for container, member in direct:
        children.setdefault(container, []).append(member)
    result: dict[str, dict[str, list[str]]] = {}
    for start in children:
        seen: dict[str, list[str]] = {}
        queue = [[start]]
        while queue:
            path = queue.pop(0)
            for member in children.get(path[-1], []):
                if member not in seen and member != start:
                    seen[member] = [*path, member]
                    queue.append(seen[member])
        result[start] = seen
    return result


@pytest.fixture
def scenario(tmp_path: Path) -> Scenario:
    return Scenario(tmp_path / "warehouse.duckdb")


def branch(name: str) -> str:
    """The token of a branch of payments-api."""
    return git_branch_token(PROJECT, REPO, name)
