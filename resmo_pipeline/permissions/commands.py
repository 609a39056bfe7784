"""``resmo-pipeline who-can PERMISSION --on RESOURCE`` and ``resmo-pipeline access-of IDENTITY``.

Both read the evaluated tables and views through the warehouse's read connection (safe while a sync runs) and
print each answer with its path, e.g. "via [Payments]\\Contributors ← member of [Payments]\\Release Team".
Resources are written ``repo:PROJECT/REPOSITORY[@BRANCH]``, ``project:PROJECT``, ``pipeline:PROJECT/NAME``,
``release:PROJECT/NAME`` or ``token:NAMESPACE:TOKEN``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from resmo_pipeline.warehouse.formats import add_format_option

KINDS = {"repo": "repository", "project": "project", "pipeline": "build_definition", "release": "release_definition"}


class NotFound(Exception):
    """The command's question names something the warehouse does not know; the message says what."""


@dataclass(frozen=True)
class Target:
    """A secured object as the user named it and the permission_objects row that answers for it."""

    namespace: str | None
    token: str
    label: str
    note: str = ""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``who-can`` and ``access-of`` commands."""
    who = subparsers.add_parser(
        "who-can",
        help="who may do something on a resource, and through which group",
        description="List the users (or, with --identities, the groups and users named in access control "
        "lists) allowed a permission on a resource, each with the membership path that grants it.",
    )
    who.add_argument("permission", help='display name or name, e.g. "Bypass policies when pushing" or PolicyExempt')
    who.add_argument("--on", required=True, dest="resource",
                     help="repo:PROJECT/REPO[@BRANCH], project:PROJECT, pipeline:PROJECT/NAME, release:PROJECT/NAME "
                     "or token:NAMESPACE:TOKEN")
    who.add_argument("--identities", action="store_true", help="the identities named in the lists, not users")
    _common_options(who, "also list who is denied", run_who_can)

    access = subparsers.add_parser(
        "access-of",
        help="everything a user or group may do, and why",
        description="List the permissions and roles a user (principal name or display name) or a group "
        "([scope]\\name) holds, with the path that grants each.",
    )
    access.add_argument("identity")
    access.add_argument("--namespace", help="only this security namespace, e.g. 'Git Repositories'")
    _common_options(access, "also list what is denied", run_access_of)


def _common_options(parser: argparse.ArgumentParser, denied_help: str, handler: Any) -> None:
    parser.add_argument("--denied", action="store_true", help=denied_help)
    parser.add_argument("--organization", help="when the warehouse holds several organizations")
    add_format_option(parser)
    parser.set_defaults(handler=handler)


def _print(table: Any, output: str) -> None:
    from resmo_pipeline.warehouse.formats import render

    print(render(table, output) if table.rows or output != "table" else "(nobody)")


def _organization_clause(args: argparse.Namespace, alias: str = "") -> tuple[str, list[Any]]:
    column = f"{alias}organization" if alias else "organization"
    return (f" AND {column} = ?", [args.organization.lower()]) if args.organization else ("", [])


def resolve_target(conn: Any, resource: str, organization: str | None) -> Target:
    """The object ``resource`` names, found in permission_objects (a branch without a list of its own is answered
    by its repository: no list sits in between, so it has exactly the repository's permissions)."""
    from resmo_pipeline.permissions.tokens import git_branch_token

    kind, _, rest = resource.partition(":")
    org_sql, org_params = (" AND organization = ?", [organization.lower()]) if organization else ("", [])
    if kind == "token":
        namespace, _, token = rest.partition(":")
        return Target(namespace, token.rstrip("/").lower(), resource)
    if kind not in KINDS:
        raise NotFound(f"unknown resource kind {kind!r}; use one of {', '.join([*KINDS, 'token'])}")
    project, _, name = rest.partition("/") if kind != "project" else (rest, "", rest)
    name, _, branch = name.partition("@") if kind == "repo" else (name, "", "")
    found = conn.execute(
        "SELECT namespace, token, object_id FROM azure_devops.permission_objects "
        "WHERE resource_type = ? AND lower(project_name) = lower(?) AND lower(resource_name) = lower(?)" + org_sql
        + " ORDER BY namespace",
        [KINDS[kind], project, name, *org_params],
    ).fetchall()
    if not found:
        raise NotFound(f"no {KINDS[kind].replace('_', ' ')} {rest!r} in the warehouse")
    if kind == "project":
        return Target(None, "", resource)
    namespace, token, object_id = found[0]
    if not branch:
        return Target(namespace, token, resource)
    project_id = token.split("/")[1]
    branch_token = git_branch_token(project_id, object_id, branch)
    own = conn.execute(
        "SELECT token FROM azure_devops.permission_objects WHERE namespace = ? AND token = ?" + org_sql,
        [namespace, branch_token, *org_params],
    ).fetchall()
    if own:
        return Target(namespace, branch_token, resource)
    return Target(namespace, token, resource, note=f"{branch} has no list of its own: as its repository")


def run_who_can(args: argparse.Namespace) -> int:
    """Print who may do ``args.permission`` on ``args.resource``, with the path that grants it."""
    from resmo_pipeline import settings
    from resmo_pipeline.warehouse.access import WarehouseError, read_connection

    try:
        with read_connection(settings.warehouse_path()) as conn:
            target = resolve_target(conn, args.resource, args.organization)
            table = _who_can(conn, args, target)
    except (WarehouseError, NotFound) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if target.note and args.format == "table":
        print(f"({target.note})")
    _print(table, args.format)
    return 0


def _permission_bits(conn: Any, permission: str, namespace: str | None) -> list[tuple[str, int]]:
    """The (namespace, bit) pairs a permission name means: its display name or name, any case, spaces optional;
    or the display name without its parenthesised note ("Force push" for "Force push (rewrite history, ...)")."""
    rows = conn.execute(
        "SELECT DISTINCT n.name, CAST(a.action ->> 'bit' AS BIGINT) FROM azure_devops.security_namespaces AS n, "
        "unnest(CAST(n.actions AS JSON[])) AS a(action) WHERE (? IS NULL OR n.name = ?) AND ("
        "lower(a.action ->> 'displayName') = lower(?) OR lower(a.action ->> 'name') = lower(?) "
        "OR replace(lower(a.action ->> 'displayName'), ' ', '') = replace(lower(?), ' ', '') "
        "OR lower(trim(regexp_replace(a.action ->> 'displayName', '\\s*\\(.*\\)$', ''))) = lower(?))",
        [namespace, namespace, *[permission] * 4],
    ).fetchall()
    if not rows:
        raise NotFound(f"no permission {permission!r}" + (f" in namespace {namespace}" if namespace else ""))
    return [(name, int(bit)) for name, bit in rows]


def _who_can(conn: Any, args: argparse.Namespace, target: Target) -> Any:
    from resmo_pipeline.warehouse.formats import Table, fetch

    view = "effective_object_permissions" if args.identities else "effective_user_permissions"
    who = "identity_name AS identity, identity_kind AS kind" if args.identities else "user_name AS identity, " \
        "user_kind AS kind"
    org_sql, org_params = _organization_clause(args)
    denied = "" if args.denied else " AND decision = 'allow'"
    if target.namespace is not None:
        place, place_params = "token = ?", [target.token]
    else:
        place, place_params = "resource_type = 'project' AND lower(resource_name) = lower(?)", [
            target.label.partition(":")[2]]
    # One query per (namespace, bit): filters on the view's grouping columns reach its inner tables.
    tables = [
        fetch(
            conn,
            f"SELECT {who}, decision, namespace, permission, resource_name, via FROM azure_devops.{view} "
            f"WHERE namespace = ? AND bit = ? AND {place}{denied}{org_sql} ORDER BY decision DESC, identity",
            [namespace, bit, *place_params, *org_params],
        )
        for namespace, bit in _permission_bits(conn, args.permission, target.namespace)
    ]
    return Table(tables[0].columns, tuple(row for table in tables for row in table.rows))


def run_access_of(args: argparse.Namespace) -> int:
    """Print what ``args.identity`` may do: permissions on objects and roles on pipeline resources."""
    from resmo_pipeline import settings
    from resmo_pipeline.warehouse.access import WarehouseError, read_connection

    try:
        with read_connection(settings.warehouse_path()) as conn:
            table = _access_of(conn, args)
    except (WarehouseError, NotFound) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    _print(table, args.format)
    return 0


def _access_of(conn: Any, args: argparse.Namespace) -> Any:
    from resmo_pipeline.warehouse.formats import fetch

    org_sql, org_params = _organization_clause(args)
    users = conn.execute(
        "SELECT descriptor FROM azure_devops.users WHERE (lower(principal_name) = lower(?) "
        "OR lower(display_name) = lower(?) OR descriptor = ?)" + org_sql
        + " UNION SELECT descriptor FROM azure_devops.service_principals WHERE (lower(principal_name) = lower(?) "
        "OR lower(display_name) = lower(?) OR descriptor = ?)" + org_sql,
        [*[args.identity] * 3, *org_params, *[args.identity] * 3, *org_params],
    ).fetchall()
    denied = "" if args.denied else " AND decision = 'allow'"
    namespace = " AND namespace = ?" if args.namespace else ""
    namespace_params = [args.namespace] if args.namespace else []
    if users:
        descriptors = [row[0] for row in users]
        marks = ", ".join("?" * len(descriptors))
        return fetch(
            conn,
            f"SELECT namespace, permission, resource_type, resource_name, project_name, decision, via "
            f"FROM azure_devops.effective_user_permissions WHERE user_descriptor IN ({marks}){denied}{namespace}"
            f"{org_sql} UNION ALL "
            f"SELECT 'role', role, resource_type, resource_name, project_name, 'allow', via "
            f"FROM azure_devops.effective_user_roles WHERE user_descriptor IN ({marks}){org_sql} "
            "ORDER BY 1, 5, 4, 2",
            [*descriptors, *namespace_params, *org_params, *descriptors, *org_params],
        )
    table = fetch(
        conn,
        "SELECT namespace, permission, resource_type, resource_name, project_name, decision, via "
        f"FROM azure_devops.effective_object_permissions WHERE (lower(identity_name) = lower(?) "
        f"OR identity_descriptor = ?){denied}{namespace}{org_sql} UNION ALL "
        "SELECT 'role', role, resource_type, resource_name, project_name, 'allow', via "
        f"FROM azure_devops.effective_roles WHERE (lower(identity_name) = lower(?) OR identity_descriptor = ?)"
        f"{org_sql} ORDER BY 1, 5, 4, 2",
        [args.identity, args.identity, *namespace_params, *org_params, args.identity, args.identity, *org_params],
    )
    if not table.rows:
        raise NotFound(f"no user or group {args.identity!r} holds anything in the warehouse")
    return table
