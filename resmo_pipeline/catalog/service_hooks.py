"""Integrations: service hook subscriptions (web hooks, Slack, Teams, storage queues, ... fed by events).

A subscription's consumer inputs hold where events go and often how to log in there (basic auth, HTTP
headers with tokens, storage account keys, connection strings). Only the target's scheme and host and
whether credentials are set are kept: every other input value is replaced before rows (and `raw`) are built.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from resmo_pipeline.azure_devops import Endpoint
from resmo_pipeline.catalog.common import dig, identity_name
from resmo_pipeline.catalog.model import FetchContext, Record, ResourceType, col, ctx

AREA = "integrations"

SUBSCRIPTIONS = Endpoint(
    host="dev.azure.com", path="_apis/hooks/subscriptions", api_version="7.1-preview.1", scope="vso.hooks",
)

#: What replaces a consumer input value that is not known to be harmless.
REDACTED = "[redacted]"
#: Consumer inputs naming where events are sent; only scheme://host is kept.
URL_INPUTS = frozenset({"url", "serverbaseurl", "webhookurl", "uri", "serviceuri", "endpointurl"})
#: Consumer inputs that are plain settings, kept as they are.
PLAIN_INPUTS = frozenset({
    "resourcedetailstosend", "messagestosend", "detailedmessagestosend", "queuename", "servicebusqueuename",
    "topicname", "boardid", "listid", "buildname", "buildparameterized", "accountname", "channel", "ttl",
    "visitimeout", "bypassserializer", "addtolist", "position", "labels", "authenticationtype", "usetfsidentity",
    "tagname", "roomname", "deliverymode",
})
#: Consumer inputs that are the user name or password of basic authentication.
BASIC_AUTH_INPUTS = frozenset({"basicauthusername", "basicauthpassword", "username", "password"})


def _url_origin(value: str) -> tuple[str | None, str | None]:
    """(scheme, host) of a URL: never its user info, path, query or fragment."""
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
    except ValueError:
        return None, None
    return (parts.scheme.lower() or None), (host.lower() if host else None)


def _replace_secrets(value: Any, secrets: list[str]) -> Any:
    """The value with every occurrence of a secret string replaced (descriptions can echo a URL)."""
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [_replace_secrets(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _replace_secrets(v, secrets) for k, v in value.items()}
    return value


def scrub_subscription(item: Mapping[str, Any]) -> dict[str, Any]:
    """The subscription with its consumer input values removed: URLs cut to scheme://host, every input that
    is not a known plain setting replaced by "[redacted]" (empty inputs stay empty, so "is it set" remains)."""
    scrubbed = copy.deepcopy(dict(item))
    inputs = scrubbed.get("consumerInputs")
    if not isinstance(inputs, dict):
        return scrubbed
    secrets: list[str] = []
    clean: dict[str, Any] = {}
    for name, value in inputs.items():
        lowered = name.lower()
        if value in (None, "") or lowered in PLAIN_INPUTS:
            clean[name] = value
            continue
        text = str(value)
        if lowered in URL_INPUTS:
            scheme, host = _url_origin(text)
            clean[name] = f"{scheme}://{host}" if scheme and host else REDACTED
        else:
            clean[name] = REDACTED
        if len(text) >= 4:
            secrets.append(text)
    scrubbed = _replace_secrets({k: v for k, v in scrubbed.items() if k != "consumerInputs"},
                                sorted(secrets, key=len, reverse=True))
    for key, value in scrubbed.items():
        # Descriptions may quote the target in another spelling than the input (e.g. another query).
        if key != "url" and isinstance(value, str) and "://" in value:
            scrubbed[key] = _URL_IN_TEXT.sub(_origin_of_match, value)
    scrubbed["consumerInputs"] = clean
    return scrubbed


_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>()]+")


def _origin_of_match(match: re.Match[str]) -> str:
    scheme, host = _url_origin(match.group(0))
    return f"{scheme}://{host}" if scheme and host else REDACTED


def _explode(item: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield scrub_subscription(item)


def _target(item: Mapping[str, Any]) -> tuple[str | None, str | None]:
    inputs = item.get("consumerInputs") or {}
    for name, value in inputs.items():
        if name.lower() in URL_INPUTS and isinstance(value, str) and value and value != REDACTED:
            return _url_origin(value)
    return None, None


def _has_input(names: frozenset[str] | None):
    """Extractor: a consumer input (of these names; None: any credential-like input) is set."""

    def extract(item: Mapping[str, Any], _context: Mapping[str, Any]) -> bool:
        inputs = item.get("consumerInputs") or {}
        for name, value in inputs.items():
            lowered = name.lower()
            if value in (None, ""):
                continue
            if names is None and lowered not in PLAIN_INPUTS and lowered not in URL_INPUTS:
                return True
            if names is not None and lowered in names:
                return True
        return False

    return extract


def _with_project_names(fc: FetchContext, records: list[Record]) -> list[Record]:
    """Name the project a subscription's publisher filter is limited to."""
    names = {str(row.get("id")): row.get("name") for row in fc.parent_rows.get("projects") or []}
    for item, context in records:
        project_id = dig(item, "publisherInputs.projectId")
        context["project_id"] = project_id or None
        context["project_name"] = names.get(str(project_id)) if project_id else None
    return records


TYPES = (
    ResourceType(
        name="service_hooks",
        area=AREA,
        description="Service hook subscriptions: which events (code pushed, build completed, ...) are sent to "
        "which external service (web hook, Slack, Teams, storage queue, ...), the target host and whether "
        "credentials are configured. Credential and URL input values are never stored, not even in raw.",
        endpoint=SUBSCRIPTIONS,
        scope="organization",
        key=("id",),
        columns=(
            col("id", "VARCHAR", description="Subscription id (GUID)."),
            col("publisher_id", "VARCHAR", description="Event source: tfs (Azure DevOps), rm (releases), ..."),
            col("event_type", "VARCHAR",
                description="Event subscribed to: git.push, build.complete, workitem.created, ..."),
            col("event_description", "VARCHAR", description="The event filter in words, as the UI shows it."),
            col("consumer_id", "VARCHAR", description="Receiving service: webHooks, slack, teams, "
                "azureStorageQueue, ..."),
            col("consumer_action_id", "VARCHAR", description="What the consumer does, e.g. httpRequest."),
            col("resource_version", "VARCHAR", description="Version of the event payload sent."),
            col("status", "VARCHAR",
                description="Subscription state: enabled, onProbation, disabledByUser, disabledBySystem, ..."),
            col("target_scheme", "VARCHAR", lambda item, _c: _target(item)[0],
                "Scheme of the target URL (https or http)."),
            col("target_host", "VARCHAR", lambda item, _c: _target(item)[1],
                "Host events are sent to (never the path or query, which often hold tokens)."),
            col("target_uses_https", "BOOLEAN",
                lambda item, _c: None if _target(item)[0] is None else _target(item)[0] == "https",
                "True when events travel encrypted; false for plain http:// targets."),
            col("has_basic_auth", "BOOLEAN", _has_input(BASIC_AUTH_INPUTS),
                "True when a basic-auth user name or password is set (values are never stored)."),
            col("has_secret_inputs", "BOOLEAN", _has_input(None),
                "True when a credential-like input is set: basic auth, HTTP headers, keys, tokens, ..."),
            ctx("project_id", description="Project the publisher filter limits events to (null: any)."),
            ctx("project_name", description="Name of that project."),
            col("publisher_inputs", "JSON", description="Event filters: projectId, repository, branch, ..."),
            col("consumer_input_names", "JSON", lambda item, _c: sorted((item.get("consumerInputs") or {}).keys()),
                "Names of the consumer inputs set (values are never stored)."),
            col("probation_retries", "BIGINT",
                description="Failed deliveries while on probation (the subscription is disabled after too many)."),
            col("created_by", "VARCHAR", identity_name("createdBy"),
                "Who created the subscription (unique name, else display name)."),
            col("created_date", "TIMESTAMP", description="When the subscription was created (UTC)."),
            col("modified_by", "VARCHAR", identity_name("modifiedBy"),
                "Who last changed the subscription (unique name, else display name)."),
            col("modified_date", "TIMESTAMP", description="When the subscription was last changed (UTC)."),
        ),
        required_scope="vso.hooks",
        explode=_explode,
        enrich=_with_project_names,
        extra_parents=("projects",),
        ignore_in_history=("probationRetries", "lastProbationRetryDate"),
    ),
)
