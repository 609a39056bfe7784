"""Where notifications go: Slack, Microsoft Teams, a generic signed webhook, email over SMTP, or a local log file.

Every secret (webhook URLs carry one, HMAC keys, SMTP passwords) is read from an environment variable named in
the configuration, at send time, and never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import requests

from resmo_pipeline.notify.model import Message

USER_AGENT = "resmo-pipeline-notify"


class ChannelError(Exception):
    """A channel could not deliver; the message says why without any secret."""


class ChannelConfigError(ValueError):
    """A channel's configuration is incomplete or names an unset environment variable."""


def read_secret(env_var: str, channel: str, what: str) -> str:
    """The secret in `env_var`, read at send time; a clear error naming the variable when it is unset."""
    value = os.environ.get(env_var)
    if not value:
        raise ChannelConfigError(
            f"channel '{channel}': environment variable {env_var} (the {what}) is not set; "
            f"export it before starting resmo-pipeline"
        )
    return value


class Channel(ABC):
    """A destination for messages."""

    name: str

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver one message or raise ChannelError."""


def _post_json(url: str, body: Mapping[str, Any], channel: str, headers: Mapping[str, str] | None = None,
               raw: bytes | None = None, timeout_s: float = 10.0) -> None:
    data = raw if raw is not None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
    try:
        response = requests.post(url, data=data, headers=all_headers, timeout=timeout_s)
    except requests.RequestException as exc:
        # The URL may embed a secret (Slack/Teams webhook URLs do): report only the exception type.
        raise ChannelError(f"channel '{channel}': could not connect ({type(exc).__name__})") from None
    if response.status_code >= 300:
        raise ChannelError(f"channel '{channel}': receiver answered HTTP {response.status_code}")


@dataclass
class SlackChannel(Channel):
    """A Slack incoming webhook; the webhook URL is read from `url_env`."""

    name: str
    url_env: str

    def payload(self, message: Message) -> dict[str, Any]:
        """Slack's message format: a text fallback plus blocks."""
        return {
            "text": message.title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(f"• {line}" for line in
                                                                             message.lines())[:3000]}},
            ],
        }

    def send(self, message: Message) -> None:
        """Post to the webhook."""
        _post_json(read_secret(self.url_env, self.name, "Slack webhook URL"), self.payload(message), self.name)


@dataclass
class TeamsChannel(Channel):
    """A Microsoft Teams workflow webhook receiving an adaptive card; the URL is read from `url_env`."""

    name: str
    url_env: str

    def payload(self, message: Message) -> dict[str, Any]:
        """The workflow-webhook envelope around an Adaptive Card 1.4."""
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": message.title, "wrap": True},
        ]
        body += [{"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small"} for line in message.lines()]
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": body,
                    },
                }
            ],
        }

    def send(self, message: Message) -> None:
        """Post the card to the workflow webhook."""
        _post_json(read_secret(self.url_env, self.name, "Teams webhook URL"), self.payload(message), self.name)


SIGNATURE_HEADER = "X-Resmo-Signature"
#: Stable per message (see `Message.delivery_id`): a receiver that saw it already can drop the message.
DELIVERY_HEADER = "X-Resmo-Delivery"


def sign(body: bytes, key: str) -> str:
    """The signature header value a receiver recomputes: `sha256=<hex HMAC-SHA256 of the raw body>`."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class WebhookChannel(Channel):
    """Any HTTP endpoint receiving a JSON body, signed with HMAC-SHA256 when `secret_env` is set."""

    name: str
    url: str
    secret_env: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self, message: Message) -> dict[str, Any]:
        """The JSON body: organization, subscription, title and the events."""
        return {
            "delivery_id": message.delivery_id,
            "organization": message.organization,
            "subscription": message.subscription,
            "title": message.title,
            "digest": message.is_digest,
            "events": [event.as_dict() for event in message.events],
            "omitted_events": message.omitted,
        }

    def send(self, message: Message) -> None:
        """Post the signed body."""
        raw = json.dumps(self.payload(message), sort_keys=True).encode()
        headers = {**self.headers, DELIVERY_HEADER: message.delivery_id}
        if self.secret_env:
            headers[SIGNATURE_HEADER] = sign(raw, read_secret(self.secret_env, self.name, "HMAC signing key"))
        _post_json(self.url, {}, self.name, headers=headers, raw=raw)


@dataclass
class EmailChannel(Channel):
    """Email over SMTP, with STARTTLS and login when configured; the password is read from `password_env`."""

    name: str
    host: str
    sender: str
    recipients: list[str]
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password_env: str | None = None
    timeout_s: float = 15.0
    tls_ca_file: str | None = None

    def build(self, message: Message) -> EmailMessage:
        """The email: subject = title, plain-text body with one line per event."""
        email = EmailMessage()
        email["Subject"] = message.title
        email["From"] = self.sender
        email["To"] = ", ".join(self.recipients)
        # Mail systems treat a repeated Message-ID as the same message.
        email["Message-ID"] = f"<{message.delivery_id}@resmo-pipeline>"
        email.set_content("\n".join(message.lines()) + "\n\n-- resmo-pipeline\n")
        return email

    def send(self, message: Message) -> None:
        """Connect, upgrade to TLS, log in and send."""
        import ssl

        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    context = ssl.create_default_context(cafile=self.tls_ca_file)
                    smtp.starttls(context=context)
                if self.username:
                    password = read_secret(self.password_env or "", self.name, "SMTP password")
                    smtp.login(self.username, password)
                smtp.send_message(self.build(message))
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"channel '{self.name}': SMTP delivery failed ({type(exc).__name__}: "
                               f"{getattr(exc, 'smtp_error', b'') or ''!s})") from None


@dataclass
class LogChannel(Channel):
    """Appends each message as one JSON line to a local file: the demo's default channel."""

    name: str
    path: Path

    def send(self, message: Message) -> None:
        """Append the message."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"title": message.title, "organization": message.organization,
                  "subscription": message.subscription, "events": [e.as_dict() for e in message.events]}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


CHANNEL_TYPES: dict[str, type[Channel]] = {
    "slack": SlackChannel,
    "teams": TeamsChannel,
    "webhook": WebhookChannel,
    "email": EmailChannel,
    "log": LogChannel,
}
