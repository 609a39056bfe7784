"""`resmo-pipeline integrations add|list|disable|enable|delete|discover`: which organizations are polled.

Building the parser needs only the registry's settings; the handlers import the credential classes, Dagster
(partitions) and the warehouse when they run, so `integrations list` answers at once.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from resmo_pipeline.hints import command
from resmo_pipeline.integrations.registry import (
    AUTH_METHODS,
    DEFAULT_CLIENT_SECRET_ENV,
    DEFAULT_PAT_ENV,
    Integration,
    IntegrationError,
    Registry,
)
from resmo_pipeline.warehouse.formats import add_format_option

Handler = Callable[[argparse.Namespace], int]

# The device-code sign-in used for discovery is cached under this name and copied to each organization it adds,
# so the person signs in once; "_" is not allowed in organization names, so it never collides with one.
DISCOVERY_CACHE_NAME = "_discovery"
# Discovery's credential belongs to no organization yet; this name only appears in messages about it.
DISCOVERY_PROBE_NAME = "all-organizations"


def _interval(text: str) -> int:
    """argparse type: "1h", "30m", "90s", "1d" or plain seconds."""
    from humanfriendly import InvalidTimespan, parse_timespan

    try:
        seconds = int(parse_timespan(text))
    except InvalidTimespan as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (examples: 30m, 1h, 1d)") from exc
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the interval must be positive")
    return seconds


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pat-env", metavar="VAR", help=f"variable holding the PAT (default {DEFAULT_PAT_ENV})")
    parser.add_argument("--tenant-id", help="Entra ID tenant (service principal, device code)")
    parser.add_argument("--client-id", help="app registration / managed identity client id")
    parser.add_argument("--authority-host", help="Entra ID authority host (default https://login.microsoftonline.com)")
    parser.add_argument("--ca-file", help="CA bundle to trust for the authority (a private Entra ID stand-in)")
    parser.add_argument("--base-url", help="send API calls to this URL instead of Azure DevOps (the simulator)")
    parser.add_argument(
        "--interval", type=_interval, default=3600,
        help="how often to poll, e.g. 30m, 1h (default), 1d (the schedule looks every 5 minutes)",
    )


def _integration(name: str, args: argparse.Namespace, auth: str) -> Integration:
    """The settings the options describe; file paths made absolute, since syncs may run from elsewhere."""
    certificate = getattr(args, "certificate", None)
    secret_env = getattr(args, "client_secret_env", None)
    if auth == "service-principal" and not certificate:
        secret_env = secret_env or DEFAULT_CLIENT_SECRET_ENV
    return Integration(
        name=name,
        auth=auth,
        base_url=args.base_url,
        pat_env=(args.pat_env or DEFAULT_PAT_ENV) if auth == "pat" else None,
        tenant_id=args.tenant_id,
        client_id=args.client_id,
        client_secret_env=secret_env,
        certificate_path=str(Path(certificate).resolve()) if certificate else None,
        authority_host=args.authority_host,
        ca_file=str(Path(args.ca_file).resolve()) if args.ca_file else None,
        interval_s=args.interval,
    )


def _add(args: argparse.Namespace) -> int:
    from humanfriendly import format_timespan

    from resmo_pipeline.integrations import lifecycle

    integration = _integration(args.organization, args, args.auth)
    connected = lifecycle.add_integration(integration, prompt=_stderr)
    print(f"Connected {integration.name} as {connected.user}, polled every {format_timespan(integration.interval_s)}.")
    print(f"First sync now: {command('sync', integration.name)}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from humanfriendly import format_timespan

    from resmo_pipeline.integrations.status import integration_statuses
    from resmo_pipeline.warehouse.formats import Table, render

    statuses = integration_statuses()
    if not statuses:
        print(f"No organizations connected yet. Try the simulated one: {command('demo', '--no-ui')}\n"
              f"Connect yours (the PAT in $AZURE_DEVOPS_PAT): {command('integrations', 'add', 'YOUR-ORG')}")
        return 0
    rows = [
        [
            status.integration.name,
            status.integration.auth,
            status.status,
            format_timespan(status.integration.interval_s),
            status.last_success_at or "never",
            status.tables,
            status.rows,
            ", ".join(status.not_collected) or "-",
            ", ".join(status.unavailable) or "-",
        ]
        for status in statuses
    ]
    headers = ["organization", "auth", "status", "interval", "last successful sync", "tables", "rows",
               "not collected", "unavailable"]
    print(render(Table.of(headers, rows), args.format))
    if args.format != "table":
        return 0
    for status in statuses:
        for name, reason in status.unavailable.items():
            print(f"{status.integration.name}: {name} unavailable: {reason}")
        for name, projects in status.skipped.items():
            for project in projects:
                print(f"{status.integration.name}: {name} skipped {project}")
    return 0


def _set_enabled(enabled: bool) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        from humanfriendly import format_timespan

        from resmo_pipeline.integrations import lifecycle

        integration = lifecycle.set_enabled(args.organization, enabled)
        if enabled:
            print(f"{integration.name}: polling resumed (every {format_timespan(integration.interval_s)}).")
        else:
            print(f"{integration.name}: polling paused; its data stays in the warehouse. Resume with: "
                  f"{command('integrations', 'enable', integration.name)}")
        return 0

    return handler


def _delete(args: argparse.Namespace) -> int:
    from resmo_pipeline.integrations import lifecycle

    integration = Registry().get(args.organization)
    if not args.yes:
        try:
            answer = input(f"Delete {integration.name} and all its data in this installation? Type its name: ")
        except EOFError:  # no terminal to ask: only --yes deletes
            answer = ""
        if answer.strip().lower() != integration.name:
            _stderr("Not deleted.")
            return 1
    report = lifecycle.delete_integration(integration.name)
    print(f"Deleted {integration.name}: Dagster partition removed, {report.rows_purged} warehouse rows purged"
          + (", token cache removed." if report.token_cache_removed else "."))
    print("Its access to Azure DevOps is still valid until revoked there:")
    for line in report.revoke_instructions:
        print(f"  - {line}")
    return 0


def _discover(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from resmo_pipeline.integrations import lifecycle
    from resmo_pipeline.integrations.credentials import build_credential, token_cache_path
    from resmo_pipeline.integrations.discovery import discover_organizations

    registry = Registry()
    probe = _integration(DISCOVERY_PROBE_NAME, args, args.auth)
    credential = build_credential(probe, prompt=_stderr, cache_path=token_cache_path(DISCOVERY_CACHE_NAME))
    found = discover_organizations(credential, base_url=args.base_url)
    connected = {integration.name for integration in registry.list()}
    print(tabulate(
        [[org.name, org.owner or "", org.status or "", "yes" if org.name.lower() in connected else "no"]
         for org in found],
        headers=["organization", "owner", "status", "connected"],
    ))
    wanted = [org.name for org in found] if args.all else list(args.add or [])
    unknown = sorted(set(name.lower() for name in wanted) - {org.name.lower() for org in found})
    if unknown:
        _stderr(f"Not among your organizations: {', '.join(unknown)}")
        return 1
    failures = 0
    for name in wanted:
        if name.lower() in connected:
            continue
        integration = _integration(name, args, args.auth)
        if args.auth == "device-code":
            _copy_token_cache(token_cache_path(DISCOVERY_CACHE_NAME), token_cache_path(integration.name))
        try:
            connected_as = lifecycle.add_integration(integration, registry=registry, prompt=_stderr)
        except IntegrationError as exc:
            failures += 1
            _stderr(f"{integration.name}: {exc}")
            continue
        print(f"Connected {integration.name} as {connected_as.user}.")
    return 1 if failures else 0


def _copy_token_cache(source: Path, target: Path) -> None:
    if source.exists():
        shutil.copyfile(source, target)
        target.chmod(0o600)


def _handled(handler: Handler) -> Handler:
    """Registry and connection problems end the command with their message, not a traceback."""

    def run(args: argparse.Namespace) -> int:
        from resmo_pipeline.warehouse.access import WarehouseError

        try:
            return handler(args)
        except (IntegrationError, WarehouseError) as exc:
            _stderr(f"error: {exc}")
            return 1

    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `integrations` and its subcommands to the CLI."""
    parser = subparsers.add_parser(
        "integrations",
        help="connect, list, pause, resume, delete and discover Azure DevOps organizations",
        description="Which Azure DevOps organizations are inventoried, and how this installation signs in to them. "
        "Secrets are never stored: options name the environment variable that holds them.",
    )
    commands = parser.add_subparsers(dest="integrations_command", metavar="SUBCOMMAND", required=True)

    add = commands.add_parser("add", help="connect an organization (checks the credential first)")
    add.add_argument("organization", help="organization name, as in https://dev.azure.com/<organization>")
    add.add_argument("--auth", choices=AUTH_METHODS, default="pat", help="how to sign in (default pat)")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument(
        "--client-secret-env", metavar="VAR",
        help=f"variable holding the service principal's client secret (default {DEFAULT_CLIENT_SECRET_ENV})",
    )
    secret.add_argument("--certificate", metavar="PATH", help="PEM file with the service principal's key and cert")
    _add_connection_options(add)
    add.set_defaults(handler=_handled(_add))

    listing = commands.add_parser("list", help="connected organizations, status, last sync and row counts")
    add_format_option(listing)
    listing.set_defaults(handler=_handled(_list))

    for name, enabled, text in (
        ("disable", False, "pause polling of an organization (its data is kept)"),
        ("enable", True, "resume polling of an organization"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("organization")
        sub.set_defaults(handler=_handled(_set_enabled(enabled)))

    delete = commands.add_parser(
        "delete", help="forget an organization: partition, warehouse rows and token cache; says where to revoke"
    )
    delete.add_argument("organization")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=_handled(_delete))

    discover = commands.add_parser(
        "discover", help="list the organizations you belong to (and connect some or all of them)"
    )
    discover.add_argument("--auth", choices=("device-code", "pat"), default="device-code")
    _add_connection_options(discover)
    chosen = discover.add_mutually_exclusive_group()
    chosen.add_argument("--add", nargs="+", metavar="NAME", help="connect these organizations")
    chosen.add_argument("--all", action="store_true", help="connect every organization found")
    discover.set_defaults(handler=_handled(_discover))
